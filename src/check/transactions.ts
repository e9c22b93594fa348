import type { ClusterConfig } from '../config/schema.js';
import { groupMetadataPartitionFor, transactionStatePartitionFor } from '../machines/coordinator-partition.js';
import { transactionalIds, type ProduceWorkload } from '../cluster/kafka.js';
import { controllerImage } from '../machines/controller-view.js';
import type { ConsumerContext } from '../machines/consumer.js';
import type { CoordinatorContext } from '../machines/group-coordinator.js';
import { groupActor } from '../machines/group-protocol.js';
import type { EndedTransaction, ProducerContext } from '../machines/producer.js';
import { inAbortedTxn, visibleRecords } from '../client/read-committed.js';
import { DATA_TOPIC, OFFSETS_TOPIC, brokerNode, partitionName, topicOf, type AbortedTxn, type BrokerId, type ProducedValue, type Record } from '../machines/protocol.js';
import type { ReplicaContext } from '../machines/replica.js';
import type { TxnCoordinatorContext } from '../machines/txn-coordinator.js';
import { OUTPUT_TOPIC, TXN_TOPIC, txnActor } from '../machines/txn-protocol.js';
import type { World } from '../sim/world.js';
import type { GroupInvariant } from './groups.js';

/**
 * The idempotence and transaction properties of spec/transactions.md. They judge what a reader
 * can see, so they look at the end of a run (`atEnd`): every partition's log as its acting
 * leader holds it, read as a read_committed consumer would (below the last stable offset,
 * without control records and without records of aborted transactions).
 */
export const transactionPropertyIds = ['no-duplicates', 'exactly-once', 'no-aborted-reads', 'atomic-visibility'] as const;

type Snap<C> = { value: unknown; context: C };

export interface PartitionView {
  readonly topic: string;
  readonly partition: number;
  /** What a read_committed consumer reads, in offset order. */
  readonly visible: readonly Record[];
  /** Every data record below the HW (no control records), aborted or not. */
  readonly committed: readonly Record[];
  /** The partition's aborted transactions below the HW. */
  readonly aborted: readonly AbortedTxn[];
}

/** The broker leading a partition, by the controller's metadata; undefined when it has none. */
function leaderOf(world: World, topic: string, p: number): BrokerId | undefined {
  const controller = controllerImage(world);
  const state = controller?.partitions.find((s) => s.partition === p && topicOf(s) === topic);
  return state && state.leader >= 0 ? state.leader : undefined;
}

/** A partition as read_committed sees it now; undefined when it has no leader. */
export function partitionView(world: World, topic: string, p: number): PartitionView | undefined {
  const leader = leaderOf(world, topic, p);
  const r = leader === undefined ? undefined : (world.actor(brokerNode(leader), partitionName(p, topic))?.getSnapshot() as Snap<ReplicaContext> | undefined)?.context;
  if (!r) return undefined;
  const hw = r.log.highWatermark;
  const lso = r.producers.lastStableOffset(hw);
  const aborted = r.producers.abortedOverlapping(r.log.logStartOffset, hw);
  const below = r.log.read(r.log.logStartOffset, Infinity, 'HIGH_WATERMARK');
  // What the application of a read_committed consumer is handed (src/client/read-committed.ts).
  const visible = visibleRecords(below, true, aborted).filter((x) => x.offset < lso);
  return { topic, partition: p, committed: visibleRecords(below, false), visible, aborted };
}

const identity = (v: ProducedValue) => `${v.producer}:${v.value}`;

/**
 * Transactional clients whose latest transaction is still completing at the end of the run:
 * their coordinator is writing its markers (PrepareCommit, PrepareAbort, PrepareEpochFence), so
 * some partitions may show the outcome and others not yet. Read_committed visibility across
 * partitions is eventual in Kafka too: such a transaction is not judged.
 */
function completing(world: World, config: ClusterConfig, workload: ProduceWorkload): Set<string> {
  const busy = new Set<string>();
  for (const id of transactionalIds(workload)) {
    const leader = leaderOf(world, TXN_TOPIC, transactionStatePartitionFor(config, id));
    // No coordinator (offline, or loading): nothing can be said of its latest transaction either.
    const snap = leader === undefined ? undefined : (world.actor(brokerNode(leader), txnActor(id))?.getSnapshot() as Snap<TxnCoordinatorContext> | undefined);
    const v = snap?.value;
    if (!snap || typeof v !== 'string' || ['Unloaded', 'Loading', 'Dead', 'PrepareCommit', 'PrepareAbort', 'PrepareEpochFence'].includes(v)) busy.add(id);
  }
  return busy;
}

/** Every transaction a transactional client ended, by producer id: its ends as it learnt them. */
function endedTransactions(world: World, workload: ProduceWorkload): Map<number, { name: string; ended: readonly EndedTransaction[] }> {
  const out = new Map<number, { name: string; ended: readonly EndedTransaction[] }>();
  for (const id of transactionalIds(workload)) {
    const snap = world.actor(id)?.getSnapshot() as Snap<Partial<ProducerContext> & Partial<ConsumerContext>> | undefined;
    const ctx = snap?.context;
    if (!ctx) continue;
    if (ctx.txn && 'ended' in ctx.txn && ctx.producerId !== undefined) {
      // A transactional producer.
      out.set(ctx.producerId, { name: id, ended: ctx.txn.ended });
    } else if (ctx.txns && ctx.options?.producerId !== undefined) {
      // A consume-transform-produce consumer: committed, or not (aborted, or maybe committed).
      const ended = ctx.txns.map((t): EndedTransaction => ({ txnSeq: t.txnSeq, producerEpoch: t.producerEpoch, result: t.committed ? 'COMMIT' : t.ambiguous ? 'UNKNOWN' : 'ABORT' }));
      out.set(ctx.options.producerId, { name: id, ended });
    }
  }
  return out;
}

/**
 * A client numbers its transactions from 0 in each incarnation, and every incarnation has its own
 * producer epoch (InitProducerId bumps it): a record belongs to the transaction with its epoch and number.
 */
const sameTxn = (t: EndedTransaction, v: ProducedValue) => t.txnSeq === v.txnSeq && t.producerEpoch === v.producerEpoch;

export function transactionInvariants(config: ClusterConfig, workload: ProduceWorkload): GroupInvariant[] {
  const parts = Array.from({ length: config.partitions }, (_, p) => p);
  const hasTxns = transactionalIds(workload).length > 0;
  const ctpGroups = (workload.groups ?? []).flatMap((g, i) => (g.commit === 'transactional' ? [i] : []));
  const topics = ctpGroups.length > 0 ? [DATA_TOPIC, OUTPUT_TOPIC] : [DATA_TOPIC];
  const views = (world: World) => topics.flatMap((t) => parts.map((p) => partitionView(world, t, p)).filter((v): v is PartitionView => v !== undefined));

  const invariants: GroupInvariant[] = [
    {
      // KIP-98: a retried batch is written once. Judged on what a reader sees: the same
      // (producer, value) twice in a topic's read_committed view is a duplicate.
      id: 'no-duplicates',
      check: () => undefined,
      atEnd: (world) => {
        const all = views(world);
        for (const topic of topics) {
          // Where each record was first seen, as a string only for the message (the log is read whole).
          const seen = new Map<string, { partition: number; offset: number }>();
          const where = (w: { partition: number; offset: number }) => `${partitionName(w.partition, topic)}@${w.offset}`;
          for (const v of all.filter((x) => x.topic === topic)) {
            for (const x of v.visible) {
              const id = identity(x.value);
              const first = seen.get(id);
              if (first !== undefined) return `${id} appears twice in ${topic}: at ${where(first)} and at ${where({ partition: v.partition, offset: x.offset })}`;
              seen.set(id, { partition: v.partition, offset: x.offset });
            }
          }
        }
        return undefined;
      },
    },
  ];
  if (!hasTxns) return invariants;
  invariants.push(
    {
      // A record of a transaction its writer aborted is never read: not by a read_committed
      // consumer, and not as visible in a partition (KIP-98's read_committed guarantee).
      id: 'no-aborted-reads',
      check: () => undefined,
      atEnd: (world) => {
        const ended = endedTransactions(world, workload);
        const abortedBy = (v: ProducedValue) => {
          if (v.producerId === undefined || v.txnSeq === undefined) return undefined;
          const w = ended.get(v.producerId);
          return w?.ended.some((t) => sameTxn(t, v) && t.result === 'ABORT') ? w.name : undefined;
        };
        for (const v of views(world)) {
          for (const x of v.visible) {
            const writer = abortedBy(x.value);
            if (writer) return `${partitionName(v.partition, v.topic)}@${x.offset} (${identity(x.value)}) is visible to read_committed, but ${writer} aborted its transaction ${x.value.txnSeq} (epoch ${x.value.producerEpoch})`;
          }
        }
        // What consumers processed from the input topic (any isolation level in force).
        const input = new Map(parts.map((p) => [p, partitionView(world, DATA_TOPIC, p)]));
        for (const node of world.nodeIds()) {
          const ctx = (world.actor(node)?.getSnapshot() as Snap<ConsumerContext> | undefined)?.context;
          if (!ctx || !Array.isArray(ctx.processed)) continue;
          for (const pr of ctx.processed) {
            const rec = input.get(pr.partition)?.committed.find((x) => x.offset === pr.offset);
            const writer = rec && abortedBy(rec.value);
            if (writer) return `${node} processed ${partitionName(pr.partition)}@${pr.offset} (${identity(rec.value)}) from transaction ${rec.value.txnSeq}, which ${writer} aborted`;
            if (rec && inAbortedTxn(rec, input.get(pr.partition)!.aborted)) {
              return `${node} processed ${partitionName(pr.partition)}@${pr.offset} (${identity(rec.value)}), a record of an aborted transaction`;
            }
          }
        }
        return undefined;
      },
    },
    {
      // A transaction's records become visible together or not at all: once it is decided, a
      // read_committed reader sees all of its records or none, across partitions (KIP-98).
      id: 'atomic-visibility',
      check: () => undefined,
      atEnd: (world) => {
        const ended = endedTransactions(world, workload);
        const busy = completing(world, config, workload);
        const txns = new Map<string, { visible: string[]; hidden: string[] }>();
        for (const v of views(world)) {
          const visible = new Set(v.visible.map((x) => x.offset));
          for (const x of v.committed) {
            if (x.value.producerId === undefined || x.value.txnSeq === undefined) continue;
            const w = ended.get(x.value.producerId);
            // Only decided transactions are judged: the writer learnt their end.
            if (!w?.ended.some((t) => sameTxn(t, x.value) && t.result !== 'UNKNOWN')) continue;
            // Its writer's latest transaction, while its markers are being written, is not judged.
            const last = w.ended[w.ended.length - 1];
            if (busy.has(w.name) && last && sameTxn(last, x.value)) continue;
            const k = `${w.name} transaction ${x.value.txnSeq} (epoch ${x.value.producerEpoch})`;
            const e = txns.get(k) ?? { visible: [], hidden: [] };
            (visible.has(x.offset) ? e.visible : e.hidden).push(`${partitionName(v.partition, v.topic)}@${x.offset}`);
            txns.set(k, e);
          }
        }
        for (const [k, e] of txns) {
          if (e.visible.length > 0 && e.hidden.length > 0) return `${k} is half visible: ${e.visible.join(', ')} visible, ${e.hidden.join(', ')} not`;
        }
        return undefined;
      },
    },
  );
  if (ctpGroups.length > 0) {
    invariants.push({
      // Consume-transform-produce: every input record below the group's committed offset has
      // exactly one output visible, and no input has more than one (KIP-98 + KIP-447).
      id: 'exactly-once',
      check: () => undefined,
      atEnd: (world) => {
        const outputs = new Map<string, number>();
        for (const p of parts) for (const x of partitionView(world, OUTPUT_TOPIC, p)?.visible ?? []) outputs.set(identity(x.value), (outputs.get(identity(x.value)) ?? 0) + 1);
        for (const [id, n] of outputs) if (n > 1) return `input ${id} has ${n} outputs in ${OUTPUT_TOPIC}`;
        // While a transaction is completing, its offsets and its outputs may not all show yet.
        const busy = completing(world, config, workload);
        if (transactionalIds(workload).some((id) => busy.has(id))) return undefined;
        for (const g of ctpGroups) {
          const committed = committedOffsets(world, config, `g${g}`);
          if (!committed) continue;
          for (const p of parts) {
            const upTo = committed.get(p) ?? 0;
            for (const x of partitionView(world, DATA_TOPIC, p)?.visible ?? []) {
              if (x.offset >= upTo) break;
              if (!outputs.has(identity(x.value))) return `g${g} committed ${partitionName(p)} up to ${upTo}, but input ${identity(x.value)} at offset ${x.offset} has no output in ${OUTPUT_TOPIC}`;
            }
          }
        }
        return undefined;
      },
    });
  }
  return invariants;
}

/** The group's committed offsets, from its coordinator on the leader of the group's `__consumer_offsets` partition. */
function committedOffsets(world: World, config: ClusterConfig, groupId: string): ReadonlyMap<number, number> | undefined {
  const leader = leaderOf(world, OFFSETS_TOPIC, groupMetadataPartitionFor(config, groupId));
  if (leader === undefined) return undefined;
  const snap = world.actor(brokerNode(leader), groupActor(groupId))?.getSnapshot() as Snap<CoordinatorContext> | undefined;
  if (!snap || snap.value === 'Loading' || snap.value === 'Unloaded' || snap.value === 'Dead') return undefined;
  return snap.context.offsets;
}
