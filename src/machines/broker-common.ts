import type { ClusterConfig } from '../config/schema.js';
import type { Outbox } from './effects.js';
import { TXN_TOPIC } from './txn-protocol.js';
import { DATA_TOPIC, OFFSETS_TOPIC, isDeleted, nameOf, topicIdOf, topicOf, type BecomeReplica, type BrokerId, type DeletedTopic, type PartitionState } from './protocol.js';

/**
 * What a broker process does the same in both control-plane modes (KRaft's broker.ts, ZooKeeper
 * mode's zk-broker.ts): keep a metadata cache and hand its replicas and coordinators their
 * partitions' states, and the clean-shutdown marker.
 */
export interface HostingBroker {
  readonly config: ClusterConfig;
  readonly brokerId: BrokerId;
  /** -1 until registered. */
  readonly brokerEpoch: number;
  /** The epoch of the previous registration if it shut down cleanly, else -1 (KIP-966). */
  readonly previousBrokerEpoch: number;
  /** The partitions as this broker last heard of them (possibly stale), in the controller's order. */
  readonly metadata: readonly PartitionState[];
  /** Group coordinator actors on this node: each is told of changes to its group's `__consumer_offsets` partition. */
  readonly coordinators: readonly HostedCoordinator[];
  /**
   * Transaction coordinator actors on this node: each is told of changes to its transactional.id's
   * `__transaction_state` partition, and given the whole metadata cache on every change (it needs
   * partition leaders to send WriteTxnMarkers, as Kafka's TransactionMarkerChannelManager reads
   * the metadata cache).
   */
  readonly txnCoordinators: readonly HostedCoordinator[];
  /** Topics deleted (DeleteTopics), as the controller has said; absent until it names any. */
  readonly deletedTopics?: readonly DeletedTopic[];
}

/**
 * A coordinator actor a broker hosts, and the partition of its internal topic it follows: the
 * partition its group or transactional.id hashes to (coordinator-partition.ts). Kafka's broker
 * calls GroupCoordinator.onElection / TransactionCoordinator.onElection with the partition
 * index; the model's coordinators are per id, so the broker tells the ones of that partition.
 */
export interface HostedCoordinator {
  readonly actor: string;
  readonly partition: number;
}

/**
 * The clean-shutdown marker (Kafka's `.kafka_cleanshutdown` in each log directory): written, with
 * the broker epoch, as the last step of a clean shutdown, after every log is flushed; read and
 * deleted at the next start (LogManager, CleanShutdownFileHandler, KIP-966). A crash leaves none.
 */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** The broker epoch the marker holds, or -1 when there is none (the last shutdown was unclean). */
export function cleanShutdownEpoch(entries: readonly unknown[]): number {
  const e = entries[0];
  return typeof e === 'number' ? e : -1;
}

/**
 * The last of a clean shutdown (BrokerServer.shutdown, LogManager.shutdown): every log flushed,
 * then the marker with this registration's epoch, then the process exits.
 */
export function exitCleanly(c: HostingBroker, _e: unknown, out: Outbox): void {
  out.note(c.brokerEpoch >= 0 ? `shut down cleanly at broker epoch ${c.brokerEpoch}` : 'shut down before registering');
  out.fsyncAll();
  if (c.brokerEpoch >= 0) {
    out.replace(CLEAN_SHUTDOWN_FILE, [c.brokerEpoch]);
    out.fsync(CLEAN_SHUTDOWN_FILE);
  }
  out.exit();
}

/** At start the marker is read (into the input) and deleted, so that a crash from now on is unclean. */
export function deleteCleanShutdownMarker(c: HostingBroker, _e: unknown, out: Outbox): void {
  if (c.previousBrokerEpoch < 0) return;
  out.replace(CLEAN_SHUTDOWN_FILE, []);
  out.fsync(CLEAN_SHUTDOWN_FILE);
}

/**
 * Take newer partition states into the cache and tell each hosted replica about its own.
 * A state is newer when its partition epoch is higher: metadata can arrive late or twice.
 */
export function applyMetadata(
  c: HostingBroker,
  partitions: readonly PartitionState[],
  out: Outbox,
  forceAll = false,
  deletedTopics?: readonly DeletedTopic[],
): { metadata: PartitionState[]; deletedTopics?: readonly DeletedTopic[] } {
  let metadata = c.metadata.slice();
  let changed = forceAll;
  // Deleted topics: the controller's tombstones, added to those known (an update sent before a
  // deletion, arriving late, takes none away). Their partitions leave the cache, and their
  // replicas here stop and their logs are deleted (KRaft: ReplicaManager.applyDelta on the
  // RemoveTopicRecord, stopPartitions with delete; ZooKeeper mode: the controller's
  // UpdateMetadata carries the tombstones, and its StopReplica with deletePartition=true, which
  // zk-broker.ts handles through this function too).
  const known = c.deletedTopics ?? [];
  const added = (deletedTopics ?? []).filter((d) => !known.some((k) => k.topic === d.topic && topicIdOf(k) === topicIdOf(d)));
  const deleted = added.length > 0 ? [...known, ...added] : known;
  if (added.length > 0 && metadata.some((m) => isDeleted(added, m))) {
    for (const m of metadata) {
      if (!isDeleted(added, m) || !m.replicas.includes(c.brokerId)) continue;
      out.note(`replica ${nameOf(m)} stopped and deleted: topic ${topicOf(m)} was deleted`);
      out.deleteActor(nameOf(m));
    }
    metadata = metadata.filter((m) => !isDeleted(added, m));
    changed = true;
  }
  for (const p of partitions) {
    if (deleted.length > 0 && isDeleted(deleted, p)) continue;
    // Partitions are identified by name; the first full update fixes the cache's order.
    let i = metadata.findIndex((m) => m.partition === p.partition && topicOf(m) === topicOf(p));
    if (i < 0) i = metadata.length;
    const old = metadata[i];
    const newer = !old || p.leaderEpoch > old.leaderEpoch || (p.leaderEpoch === old.leaderEpoch && p.partitionEpoch > old.partitionEpoch);
    if (newer) metadata[i] = p;
    changed ||= newer;
    if ((newer || forceAll) && p.replicas.includes(c.brokerId)) {
      const s = metadata[i]!;
      const name = nameOf(p);
      // A partition of a topic created while the cluster runs (it has a topic id) may have no
      // replica here yet: ReplicaManager creates the Partition and its log when the metadata
      // first names it. The topics the cluster started with have theirs from the start.
      if (p.topicId !== undefined) out.ensureActor(name, p.topicId);
      out.local(name, { type: 'PartitionChange', actor: name, state: s, brokerEpoch: c.brokerEpoch } satisfies BecomeReplica);
      // The group coordinator follows its partition's leadership (GroupCoordinator.onElection /
      // onResignation): it loads when the local replica becomes leader, unloads when it stops.
      const followers = topicOf(p) === OFFSETS_TOPIC ? c.coordinators : topicOf(p) === TXN_TOPIC ? c.txnCoordinators : [];
      for (const { actor } of followers.filter((f) => f.partition === p.partition)) out.local(actor, { type: 'PartitionChange', actor, state: s, brokerEpoch: c.brokerEpoch } satisfies BecomeReplica);
    }
  }
  tellGroupCoordinatorsOfNewPartitions(c, metadata, out);
  if (changed && c.txnCoordinators.length > 0) {
    const live = metadata.filter((p) => p !== undefined);
    for (const { actor } of c.txnCoordinators) out.local(actor, { type: 'MetadataUpdate', actor, partitions: live });
  }
  return { metadata, ...(added.length > 0 ? { deletedTopics: deleted } : {}) };
}

const dataPartitions = (metadata: readonly (PartitionState | undefined)[]) => metadata.filter((p): p is PartitionState => p !== undefined && topicOf(p) === DATA_TOPIC);

/**
 * KIP-848: the group coordinator watches the metadata image (GroupMetadataManager
 * onNewMetadataImage: a group subscribed to a changed topic has its subscription metadata
 * refreshed at its next heartbeat). The model's KIP-848 coordinators are told when the data
 * topic has more partitions than this broker knew of (CreatePartitions), and only then, so runs
 * whose partition count never changes deliver nothing new. The classic coordinator does not
 * need it: the leader member assigns, from its own metadata.
 */
function tellGroupCoordinatorsOfNewPartitions(c: HostingBroker, metadata: readonly PartitionState[], out: Outbox): void {
  if (c.config.groupProtocol !== 'consumer' || c.coordinators.length === 0) return;
  const now = dataPartitions(metadata);
  if (now.length <= Math.max(c.config.partitions, dataPartitions(c.metadata).length)) return;
  for (const { actor } of c.coordinators) out.local(actor, { type: 'MetadataUpdate', actor, partitions: now });
}
