import { adminMachine, type AdminOp } from '../machines/admin.js';
import { CLEAN_SHUTDOWN_FILE, brokerMachine, cleanShutdownEpoch } from '../machines/broker.js';
import type { HostedCoordinator } from '../machines/broker-common.js';
import { consumerMachine, type ConsumerOptions } from '../machines/consumer.js';
import { initialReplicas, type ExtraTopic } from '../machines/controller.js';
import { quorumControllerMachine, recoverQuorumState, type QuorumControllerInput } from '../machines/quorum-controller.js';
import { controllerNode } from '../machines/raft-protocol.js';
import { consumerGroupCoordinatorMachine } from '../machines/consumer-group-coordinator.js';
import { groupCoordinatorMachine } from '../machines/group-coordinator.js';
import { groupActor } from '../machines/group-protocol.js';
import { producerMachine, type ProducerWorkload } from '../machines/producer.js';
import { DATA_TOPIC, OFFSETS_TOPIC, brokerNode, partitionName } from '../machines/protocol.js';
import { zkBrokerMachine } from '../machines/zk-broker.js';
import { zkControllerMachine } from '../machines/zk-controller.js';
import { ADMIN_PATH, DELETE_TOPICS_PATH, ZK_CONTROLLER_ACTOR, ZOOKEEPER } from '../machines/zk-protocol.js';
import { zookeeperMachine } from '../machines/zookeeper.js';
import { logConfigFor, recoverLog, replicaMachine } from '../machines/replica.js';
import { txnCoordinatorMachine } from '../machines/txn-coordinator.js';
import { groupMetadataPartitionFor, transactionStatePartitionFor } from '../machines/coordinator-partition.js';
import { OUTPUT_TOPIC, TXN_TOPIC, txnActor } from '../machines/txn-protocol.js';
import type { Disk } from '../sim/disk.js';
import type { NodeId } from '../sim/network.js';
import type { World } from '../sim/world.js';
import type { ClusterConfig } from '../config/index.js';
import type { GroupSpec } from './scenario.js';

export interface ProduceWorkload extends ProducerWorkload {
  readonly kind: 'produce';
  readonly producers: number;
  readonly groups?: readonly GroupSpec[] | undefined;
  readonly transactional?: TransactionalSpec | undefined;
  /** Topic administration during the run (scenario.ts): CreatePartitions of the data topic, CreateTopics, DeleteTopics. */
  readonly admin?: readonly AdminSpec[] | undefined;
}

/** An admin operation as a scenario states it. */
export type AdminSpec =
  | { readonly at: number; readonly op: 'create-partitions'; readonly totalCount: number }
  | { readonly at: number; readonly op: 'create-topic'; readonly topic: string; readonly partitions: number; readonly replicationFactor: number }
  | { readonly at: number; readonly op: 'delete-topic'; readonly topic: string };

function adminOp(o: AdminSpec): AdminOp {
  switch (o.op) {
    case 'create-partitions':
      return { at: o.at, totalCount: o.totalCount };
    case 'create-topic':
      return { at: o.at, createTopic: o.topic, partitions: o.partitions, replicationFactor: o.replicationFactor };
    case 'delete-topic':
      return { at: o.at, deleteTopic: o.topic };
  }
}

/** The admin client's node, when the workload changes topics. */
export const ADMIN_NODE = 'admin';

/**
 * The data topic's partitions a broker hosts from the start: the scenario's largest count. The
 * replicas of partitions not created yet stay Offline (no partition state) until the controller
 * creates them (CreatePartitions), as a broker's ReplicaManager creates a partition's log when
 * the metadata first names it.
 */
export const dataPartitionsHosted = (config: ClusterConfig, workload: ProduceWorkload) =>
  Math.max(config.partitions, ...(workload.admin ?? []).map((o) => (o.op === 'create-partitions' ? o.totalCount : 0)));

/**
 * KIP-516's `partition.metadata` file: the topic id a log directory belongs to. A directory left
 * by a topic deleted while this broker was down, now named again by a topic of another id, is a
 * stray log: it is deleted before the new replica starts (Kafka's LogManager finds the topic id
 * inconsistent and the log stray, KAFKA-14616), so the new topic does not recover the old one's
 * records. Written durably when the directory is created, as Kafka flushes it.
 */
export const PARTITION_METADATA = 'partition.metadata';
function adoptLogDir(disk: Disk, name: string, topicId: number): void {
  const file = `${name}/${PARTITION_METADATA}`;
  const held = disk.read(file)[0];
  if (held === topicId) return;
  disk.deleteDir(name);
  disk.replace(file, [topicId]);
  disk.fsync(file);
}

/** Transactional producers: records per transaction, and every how many transactions one is aborted (0: none). */
export interface TransactionalSpec {
  readonly recordsPerTxn: number;
  readonly abortEvery: number;
}

export interface KafkaNodes {
  /** The control plane's own nodes: KRaft's voters, or ZooKeeper mode's `zookeeper` (its controllers run in the brokers). */
  readonly controllers: readonly NodeId[];
  readonly brokers: readonly NodeId[];
  readonly producers: readonly NodeId[];
  /** Per group (in workload order), its consumer nodes. */
  readonly consumers: readonly (readonly NodeId[])[];
}

export const producerNode = (i: number) => `producer${i}`;
/** Groups are named g0, g1, ... in workload order. */
export const groupId = (g: number) => `g${g}`;
export const consumerNode = (g: number, i: number) => `${groupId(g)}-c${i}`;

/**
 * The transactional.ids of a workload, in a fixed order: the transactional producers, then the
 * consumers of transactional (consume-transform-produce) groups. Each is its client's node name.
 */
export function transactionalIds(workload: ProduceWorkload): string[] {
  const ids: string[] = [];
  if (workload.transactional) for (let i = 0; i < workload.producers; i++) ids.push(producerNode(i));
  (workload.groups ?? []).forEach((g, gi) => {
    if (g.commit === 'transactional') for (let i = 0; i < g.consumers; i++) ids.push(consumerNode(gi, i));
  });
  return ids;
}

/**
 * Producer ids. Kafka's brokers get blocks of ids from the controller (KIP-730) and hand them
 * out on InitProducerId; the model allocates them statically, which keeps them unique without an
 * RPC: a plain idempotent producer i has id i + 1, the n-th transactional.id has 1000 + n.
 */
export const idempotentProducerId = (process: number) => process + 1;
export const transactionalProducerId = (workload: ProduceWorkload, transactionalId: string) => 1000 + transactionalIds(workload).indexOf(transactionalId);

export interface InstallOptions {
  /** Topics besides the workload's, created with the cluster (`serve --topics`: real clients' topics). */
  readonly topics?: readonly ExtraTopic[];
  /**
   * transactional.ids besides the workload's, each with its transaction coordinator on every
   * broker (`serve --transactional-ids`): the model's coordinators exist per transactional.id.
   * Their producer ids follow the workload's (1000 + position).
   */
  readonly transactionalIds?: readonly string[];
}

/**
 * Wire a Kafka cluster into a world: the controller, one node per broker hosting its broker
 * machine and one replica actor per partition it holds, the producers, and, when the workload
 * has consumer groups, the `__consumer_offsets` topic (offsets.topic.num.partitions partitions,
 * the cluster's RF), a group coordinator actor per group on every broker, and the consumers.
 * With transactions: the `__transaction_state` topic (transaction.state.log.num.partitions
 * partitions) and a transaction coordinator actor per transactional.id on every broker; with
 * consume-transform-produce groups, the `out` topic. Each coordinator actor follows the
 * partition its id hashes to, as Kafka's partitionFor picks it.
 */
export function installKafka(world: World, config: ClusterConfig, workload: ProduceWorkload, options: InstallOptions = {}): KafkaNodes {
  const now = () => world.now;
  const groups = workload.groups ?? [];
  const txnIds = [...transactionalIds(workload), ...(options.transactionalIds ?? [])];
  const extraTopics: ExtraTopic[] = [
    ...(groups.length > 0 ? [{ name: OFFSETS_TOPIC, partitions: config.offsetsTopicNumPartitions }] : []),
    ...(txnIds.length > 0 ? [{ name: TXN_TOPIC, partitions: config.transactionStateLogNumPartitions }] : []),
    ...(groups.some((g) => g.commit === 'transactional') ? [{ name: OUTPUT_TOPIC, partitions: config.partitions }] : []),
    ...(options.topics ?? []),
  ];
  // Topic changes (the admin client's operations) in ZooKeeper mode: the controllers watch the
  // topics, and `/admin/delete_topics` exists (KafkaZkClient.createTopLevelPaths). Without them
  // nothing of this is set up, so runs without admin operations trace as before.
  const topicChanges = (workload.admin ?? []).length > 0;
  const controllers = installControlPlane(world, config, extraTopics, topicChanges);
  const brokers: NodeId[] = [];
  // Each coordinator actor follows the partition its id hashes to (coordinator-partition.ts).
  const coordinators: HostedCoordinator[] = groups.map((_, g) => ({ actor: groupActor(groupId(g)), partition: groupMetadataPartitionFor(config, groupId(g)) }));
  const txnCoordinators: HostedCoordinator[] = txnIds.map((id) => ({ actor: txnActor(id), partition: transactionStatePartitionFor(config, id) }));
  for (let b = 1; b <= config.brokers; b++) {
    const id = brokerNode(b);
    brokers.push(id);
    const hosted = [
      ...Array.from({ length: dataPartitionsHosted(config, workload) }, (_, p) => ({ topic: DATA_TOPIC, p })),
      ...extraTopics.flatMap((t) => Array.from({ length: t.partitions }, (_, p) => ({ topic: t.name, p }))),
    ].filter(({ topic, p }) => initialReplicas(config, p, topic).includes(b));
    const zk = config.controlPlane === 'zookeeper';
    world.addNode({
      id,
      // A replica of a topic created while the run goes (CreateTopics), started when the broker
      // first learns of it; after a restart, again from what its disk kept.
      spawn: (name, boot, topicId) => {
        const at = name.lastIndexOf('-');
        const topic = name.slice(0, at);
        const p = Number(name.slice(at + 1));
        if (at <= 0 || !Number.isInteger(p) || topic === DATA_TOPIC || typeof topicId !== 'number') return undefined;
        adoptLogDir(boot.disk, name, topicId);
        return { name, logic: replicaMachine, input: { config, now, brokerId: b, topic, partition: p, log: recoverLog(boot.disk, name, logConfigFor(config, topic)) } };
      },
      boot: (boot) => [
        zk
          ? { logic: zkBrokerMachine, input: { config, brokerId: b, incarnation: boot.incarnation, ...(coordinators.length > 0 ? { coordinators } : {}), ...(txnCoordinators.length > 0 ? { txnCoordinators } : {}) } }
          : {
              logic: brokerMachine,
              input: {
                config,
                brokerId: b,
                incarnation: boot.incarnation,
                previousBrokerEpoch: cleanShutdownEpoch(boot.disk.read(CLEAN_SHUTDOWN_FILE)),
                controllers,
                ...(coordinators.length > 0 ? { coordinators } : {}), ...(txnCoordinators.length > 0 ? { txnCoordinators } : {}),
              },
            },
        // ZooKeeper mode: the broker's ZooKeeper client and its controller (KafkaController runs in a broker).
        ...(zk ? [{ name: ZK_CONTROLLER_ACTOR, logic: zkControllerMachine, input: { config, now, brokerId: b, ...(extraTopics.length > 0 ? { topics: extraTopics } : {}), ...(topicChanges ? { topicChanges } : {}) } }] : []),
        ...hosted.map(({ topic, p }) => ({
          name: partitionName(p, topic),
          logic: replicaMachine,
          input: { config, now, brokerId: b, ...(topic === DATA_TOPIC ? {} : { topic }), partition: p, log: recoverLog(boot.disk, partitionName(p, topic), logConfigFor(config, topic)) },
        })),
        ...coordinators.map(({ actor: name }, g) => ({ name, logic: config.groupProtocol === 'consumer' ? consumerGroupCoordinatorMachine : groupCoordinatorMachine, input: { config, now, groupId: groupId(g), brokerId: b, name } })),
        ...txnIds.map((transactionalId, n) => ({
          name: txnCoordinators[n]!.actor,
          logic: txnCoordinatorMachine,
          // transactionalProducerId, for the workload's ids; the extra ids follow them.
          input: { config, now, transactionalId, producerId: 1000 + n, brokerId: b, name: txnCoordinators[n]!.actor },
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
      boot: (boot) => ({
        logic: producerMachine,
        input: {
          config,
          now,
          name: id,
          process: i,
          incarnation: boot.incarnation,
          workload: { records: workload.records, intervalMs: workload.intervalMs, keys: workload.keys },
          producerId: workload.transactional ? transactionalProducerId(workload, id) : idempotentProducerId(i),
          ...(workload.transactional ? { transactional: workload.transactional } : {}),
        },
      }),
    });
  }
  const consumers = groups.map((spec, g) => installGroup(world, config, spec, g, workload));
  const ops = workload.admin ?? [];
  if (ops.length > 0) {
    const schedule = [...ops].sort((a, b) => a.at - b.at).map(adminOp);
    // ZooKeeper mode: the admin client asks a broker, which answers NOT_CONTROLLER naming the
    // controller unless it is the controller (KafkaApis); KRaft: a controller node.
    const targets = config.controlPlane === 'zookeeper' ? brokers : controllers;
    world.addNode({ id: ADMIN_NODE, boot: () => ({ logic: adminMachine, input: { config, now, controllers: targets, ops: schedule } }) });
  }
  return { controllers, brokers, producers, consumers };
}

/**
 * The control plane: in KRaft mode a quorum of controller nodes (controller1..n, KIP-595), each
 * recovering its metadata log and quorum state from its disk; in ZooKeeper mode the ZooKeeper
 * service (the controller is elected among the brokers, each of which hosts a candidate).
 */
function installControlPlane(world: World, config: ClusterConfig, extraTopics: readonly ExtraTopic[], topicChanges = false): NodeId[] {
  const now = () => world.now;
  const topics = extraTopics.length > 0 ? { topics: extraTopics } : {};
  if (config.controlPlane === 'zookeeper') {
    // The topics exist before the brokers start (kafka.zk.TopicZNode and its partitions); each
    // partition's state znode is created by the controller's first election.
    const topicPaths = [{ name: DATA_TOPIC, partitions: config.partitions }, ...extraTopics].flatMap((t) => [
      `/brokers/topics/${t.name}`,
      `/brokers/topics/${t.name}/partitions`,
      ...Array.from({ length: t.partitions }, (_, p) => `/brokers/topics/${t.name}/partitions/${p}`),
    ]);
    const adminPaths = topicChanges ? [ADMIN_PATH, DELETE_TOPICS_PATH] : [];
    world.addNode({ id: ZOOKEEPER, boot: () => ({ logic: zookeeperMachine, input: { config, now, paths: [...topicPaths, ...adminPaths] } }) });
    return [ZOOKEEPER];
  }
  const nodes = Array.from({ length: config.controllerQuorumVoters }, (_, i) => controllerNode(i + 1));
  nodes.forEach((id, i) =>
    world.addNode({
      id,
      boot: (boot) => ({ logic: quorumControllerMachine, input: { config, now, id: i + 1, rng: boot.rng, recovered: recoverQuorumState(boot.disk), ...topics } satisfies QuorumControllerInput }),
    }),
  );
  return nodes;
}

function installGroup(world: World, config: ClusterConfig, spec: GroupSpec, g: number, workload: ProduceWorkload): NodeId[] {
  const now = () => world.now;
  const nodes: NodeId[] = [];
  for (let i = 0; i < spec.consumers; i++) {
    const id = consumerNode(g, i);
    nodes.push(id);
    const options: ConsumerOptions = {
      groupId: groupId(g),
      commit: spec.commit,
      reset: spec.reset,
      processingMs: spec.processingMs,
      pollIntervalMs: spec.pollIntervalMs,
      ...(spec.static ? { groupInstanceId: `${id}-instance` } : {}),
      ...(spec.protocol ? { protocol: spec.protocol } : {}),
      startAtMs: spec.startAtMs?.[i] ?? 0,
      ...(spec.commit === 'transactional' ? { transactionalId: id, producerId: transactionalProducerId(workload, id) } : {}),
      // Only a cluster with transactions sends isolation levels, so older runs trace as before.
      ...(transactionalIds(workload).length > 0 ? { readCommitted: true } : {}),
    };
    world.addNode({ id, boot: () => ({ logic: consumerMachine, input: { config, now, name: id, options, index: g + i } }) });
  }
  for (const s of spec.stalls) {
    const node = nodes[s.consumer];
    if (node) world.at(s.at, () => world.actor(node)?.send({ type: 'Stall', durationMs: s.durationMs }));
  }
  for (const c of spec.closes) {
    const node = nodes[c.consumer];
    if (node) world.at(c.at, () => world.actor(node)?.send({ type: 'Close' }));
  }
  return nodes;
}
