import type { AnyStateMachine } from 'xstate';
import { brokerMachine } from '../machines/broker.js';
import { consumerMachine } from '../machines/consumer.js';
import { controllerMachine } from '../machines/controller.js';
import { quorumControllerMachine } from '../machines/quorum-controller.js';
import { groupCoordinatorMachine } from '../machines/group-coordinator.js';
import { producerMachine } from '../machines/producer.js';
import { replicaMachine } from '../machines/replica.js';
import { txnCoordinatorMachine } from '../machines/txn-coordinator.js';
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
    { name: 'controller', title: 'Controller decisions (ZooKeeper mode\'s one controller node)', machine: controllerMachine },
    { name: 'broker', title: 'Broker', machine: brokerMachine },
    { name: 'replica', title: 'Partition replica', machine: replicaMachine },
    { name: 'producer', title: 'Producer', machine: producerMachine },
    { name: 'group-coordinator', title: 'Group coordinator (classic protocol)', machine: groupCoordinatorMachine },
    { name: 'consumer', title: 'Consumer', machine: consumerMachine },
    { name: 'txn-coordinator', title: 'Transaction coordinator', machine: txnCoordinatorMachine },
    { name: 'pinger', title: 'Pinger (kernel workload)', machine: pingerMachine },
    { name: 'ponger', title: 'Ponger (kernel workload)', machine: pongerMachine },
  ];
}
