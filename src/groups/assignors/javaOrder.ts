/**
 * Java collection semantics the assignors depend on.
 *
 * Kafka's assignors are only deterministic given Java's iteration orders: the leader builds
 * `Map<String, Subscription>` as a `java.util.HashMap` keyed by member id, the sticky
 * assignor walks that map to decide which over-quota member keeps `maxQuota` partitions, and
 * its partition-movement bookkeeping picks "the first" element of a `HashSet<TopicPartition>`.
 * To give exactly Kafka's answer we reproduce those orders: `String.hashCode`,
 * `TopicPartition.hashCode`, and `HashMap`'s bucket layout (hash spreading, power-of-two
 * table, resize at 0.75 load, insertion order within a bucket).
 */

import type { TopicPartition } from './types.js';

/** Java's `String.hashCode()` over UTF-16 code units, as a signed 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `TopicPartition.hashCode()`: `31 * (31 + partition) + topic.hashCode()`. */
export function topicPartitionHash(tp: TopicPartition): number {
  const result = (31 + tp.partition) | 0;
  return (Math.imul(31, result) + javaStringHash(tp.topic)) | 0;
}

/** Java's `String.compareTo`: UTF-16 code unit order, which is also JavaScript's `<` on strings. */
export function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kafka's `TopicPartition` identity, for use as a Map key. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.partition}:${tp.topic}`;
}

const DEFAULT_CAPACITY = 16;
const LOAD_FACTOR = 0.75;
const TREEIFY_THRESHOLD = 8;
const MIN_TREEIFY_CAPACITY = 64;

interface Slot<K> {
  key: K;
  spread: number;
  seq: number;
}

/**
 * The iteration order of a default-constructed `java.util.HashMap` / `HashSet`.
 *
 * Iteration visits buckets in index order (`(h ^ (h >>> 16)) & (capacity - 1)`), and within a
 * bucket, entries in the order they were (last) inserted: a resize splits a bucket while
 * keeping relative order, and a removed then re-added key goes to the tail. The table starts
 * at 16 and doubles when size exceeds 0.75 * capacity; a bucket that reaches 9 entries while
 * the table is under 64 also doubles it (`treeifyBin`). Tree bins (9+ colliding keys in a
 * table of 64 or more) are not modelled: their iteration order is approximated by insertion
 * order, which is what Java keeps in the bin's `next` links apart from moving the tree root
 * to the front.
 */
export class JavaHashOrder<K> {
  private readonly slots = new Map<string, Slot<K>>();
  private capacity = DEFAULT_CAPACITY;
  private seq = 0;

  constructor(
    private readonly id: (k: K) => string,
    private readonly hash: (k: K) => number,
  ) {}

  static ofStrings(keys: Iterable<string> = []): JavaHashOrder<string> {
    const order = new JavaHashOrder<string>((s) => s, javaStringHash);
    for (const k of keys) order.add(k);
    return order;
  }

  static ofPartitions(tps: Iterable<TopicPartition> = []): JavaHashOrder<TopicPartition> {
    const order = new JavaHashOrder<TopicPartition>(tpKey, topicPartitionHash);
    for (const tp of tps) order.add(tp);
    return order;
  }

  get size(): number {
    return this.slots.size;
  }

  has(k: K): boolean {
    return this.slots.has(this.id(k));
  }

  /** `put`/`add`: a key already present keeps its place. */
  add(k: K): void {
    const id = this.id(k);
    if (this.slots.has(id)) return;
    const h = this.hash(k);
    const spread = h ^ (h >>> 16);
    const bucket = spread & (this.capacity - 1);
    let binCount = 0;
    for (const s of this.slots.values()) if ((s.spread & (this.capacity - 1)) === bucket) binCount++;
    this.slots.set(id, { key: k, spread, seq: this.seq++ });
    if (binCount >= TREEIFY_THRESHOLD && this.capacity < MIN_TREEIFY_CAPACITY) this.capacity *= 2;
    if (this.slots.size > this.capacity * LOAD_FACTOR) this.capacity *= 2;
  }

  delete(k: K): void {
    this.slots.delete(this.id(k));
  }

  /** The keys in Java's iteration order. */
  keys(): K[] {
    const mask = this.capacity - 1;
    return [...this.slots.values()]
      .sort((a, b) => (a.spread & mask) - (b.spread & mask) || a.seq - b.seq)
      .map((s) => s.key);
  }

  /** `iterator().next()`. */
  first(): K | undefined {
    return this.keys()[0];
  }
}
