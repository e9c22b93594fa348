import type { AnyStateMachine } from 'xstate';
import { brokerMachine } from '../machines/broker.js';
import { consumerMachine } from '../machines/consumer.js';
import { quorumControllerMachine } from '../machines/quorum-controller.js';
import { consumerGroupCoordinatorMachine } from '../machines/consumer-group-coordinator.js';
import { groupCoordinatorMachine } from '../machines/group-coordinator.js';
import { producerMachine } from '../machines/producer.js';
import { replicaMachine } from '../machines/replica.js';
import { txnCoordinatorMachine } from '../machines/txn-coordinator.js';
import { zkBrokerMachine } from '../machines/zk-broker.js';
import { zkControllerMachine } from '../machines/zk-controller.js';
import { zookeeperMachine } from '../machines/zookeeper.js';
import { pingerMachine, pongerMachine } from '../workload/ping-pong.js';

export interface RegisteredMachine {
  /** File name of the diagrams (`<name>.mmd`, `<name>.svg`): lower case, digits and dashes. */
  readonly name: string;
  /** Heading in docs/diagrams/README.md. */
  readonly title: string;
  readonly machine: AnyStateMachine;
}

/**
 * Every machine that `kafka-model diagrams` draws, in the order the index lists them.
 * Adding a machine here is all it takes for its diagram to be generated and checked.
 */
export function machineRegistry(): RegisteredMachine[] {
  return [
    { name: 'quorum-controller', title: 'KRaft controller node (Raft voter and active controller)', machine: quorumControllerMachine },
    { name: 'zk-controller', title: 'ZooKeeper mode: a broker\'s ZooKeeper client and controller (election through /controller, the active controller)', machine: zkControllerMachine },
    { name: 'zookeeper', title: 'ZooKeeper service (sessions, ephemeral znodes, watches)', machine: zookeeperMachine },
    { name: 'broker', title: 'Broker (KRaft mode)', machine: brokerMachine },
    { name: 'zk-broker', title: 'Broker (ZooKeeper mode)', machine: zkBrokerMachine },
    { name: 'replica', title: 'Partition replica', machine: replicaMachine },
    { name: 'producer', title: 'Producer', machine: producerMachine },
    { name: 'group-coordinator', title: 'Group coordinator (classic protocol)', machine: groupCoordinatorMachine },
    { name: 'consumer-group-coordinator', title: 'Group coordinator (KIP-848 consumer protocol)', machine: consumerGroupCoordinatorMachine },
    { name: 'consumer', title: 'Consumer', machine: consumerMachine },
    { name: 'txn-coordinator', title: 'Transaction coordinator', machine: txnCoordinatorMachine },
    { name: 'pinger', title: 'Pinger (kernel workload)', machine: pingerMachine },
    { name: 'ponger', title: 'Ponger (kernel workload)', machine: pongerMachine },
  ];
}
