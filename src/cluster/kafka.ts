import { brokerMachine } from '../machines/broker.js';
import { controllerMachine } from '../machines/controller.js';
import { producerMachine, type ProducerWorkload } from '../machines/producer.js';
import { CONTROLLER, brokerNode, partitionName } from '../machines/protocol.js';
import { recoverLog, replicaMachine } from '../machines/replica.js';
import { initialReplicas } from '../machines/controller.js';
import type { NodeId } from '../sim/network.js';
import type { World } from '../sim/world.js';
import type { ClusterConfig } from './config.js';

export interface ProduceWorkload extends ProducerWorkload {
  readonly kind: 'produce';
  readonly producers: number;
}

export interface KafkaNodes {
  readonly controller: NodeId;
  readonly brokers: readonly NodeId[];
  readonly producers: readonly NodeId[];
}

export const producerNode = (i: number) => `producer${i}`;

/**
 * Wire a Kafka cluster into a world: the controller, one node per broker hosting its broker
 * machine and one replica actor per partition it holds, and the producers.
 */
export function installKafka(world: World, config: ClusterConfig, workload: ProduceWorkload): KafkaNodes {
  const now = () => world.now;
  world.addNode({ id: CONTROLLER, boot: () => ({ logic: controllerMachine, input: { config, now } }) });
  const brokers: NodeId[] = [];
  for (let b = 1; b <= config.brokers; b++) {
    const id = brokerNode(b);
    brokers.push(id);
    const hosted = Array.from({ length: config.partitions }, (_, p) => p).filter((p) => initialReplicas(config, p).includes(b));
    world.addNode({
      id,
      boot: (boot) => [
        { logic: brokerMachine, input: { config, brokerId: b, incarnation: boot.incarnation } },
        ...hosted.map((p) => ({
          name: partitionName(p),
          logic: replicaMachine,
          input: { config, now, brokerId: b, partition: p, log: recoverLog(boot.disk, partitionName(p)) },
        })),
      ],
    });
  }
  const producers: NodeId[] = [];
  for (let i = 0; i < workload.producers; i++) {
    const id = producerNode(i);
    producers.push(id);
    world.addNode({
      id,
      boot: () => ({
        logic: producerMachine,
        input: { config, now, name: id, process: i, workload: { records: workload.records, intervalMs: workload.intervalMs, keys: workload.keys } },
      }),
    });
  }
  return { controller: CONTROLLER, brokers, producers };
}
