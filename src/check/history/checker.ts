import { normalizeOp } from '../../oracle/history/normalize.js';
import type { HistoryInput, HistoryOp, Key, Mop, OffsetValue, PollResult, Value } from '../../oracle/history/types.js';
import { type CycleAnomaly, EdgeList, type EdgeWalk, PROC, RT, WR, WW, edgeGraph, findCycles } from './cycles.js';
import { OffsetLog } from './offset-log.js';
import { ValueIds } from './value-ids.js';
import { type FileSpan, type OpRec, RecStore, SourceStore } from './store.js';
import {
  type AnomalyName,
  type CheckOptions,
  type CheckResult,
  type Cycle,
  type CycleStep,
  type Duplicate,
  type G1a,
  type HistoryErrors,
  type InconsistentOffsets,
  type InternalNonmonotonic,
  type InternalSkip,
  type LostWrite,
  type NonmonotonicAcrossOps,
  type PollSkip,
  type PrecommittedRead,
  type Unseen,
  allowedAnomalies,
} from './types.js';

/*
 * How the checker holds a history of millions of ops:
 *
 * - Keys and values are interned: each key gets a KeyState, each value of a key a dense id.
 *   Per value the key keeps flags (acknowledged send, failed send, ok read), its writer and
 *   its first reader, in typed arrays indexed by id.
 * - Each completion of a client op becomes an OpRec: its process, type and f, and its sends
 *   and reads flattened as [key, value, micro-op index, offset] quadruples of small integers.
 *   The op itself is kept only as where its line is in the file, its JSON text, or the object
 *   (store.ts, SourceStore), and turned back into an op only when a report names it.
 *
 * Every analysis runs at finish(): most need the version order of each key, which only the
 * whole history determines. Each follows the function of the same purpose in Jepsen's
 * jepsen.tests.kafka; spec/history.md states the definitions and where we differ.
 */

const OK = 0;
const INFO = 1;
const FAIL = 2;

const F_SEND = 0;
const F_POLL = 1;
const F_TXN = 2;
const F_ASSIGN = 3;
const F_SUBSCRIBE = 4;

/** Value flags. */
const OK_WRITE = 1;
const FAIL_WRITE = 2;
const OK_READ = 4;

/** Read quadruple value for "this key was in the poll result, with no messages". */
const NO_VALUE = -1;
/** Offset slot for "offset unknown". */
const NO_OFFSET = -1;

class KeyState {
  readonly values: Value[] = [];
  private readonly ids = new ValueIds();
  /** Per value id (typed arrays with room to grow: 9 bytes a value, not 24 in JS arrays). */
  flags = new Uint8Array(16);
  /** The last completion (OpRec ordinal) that sent each value, or -1. */
  writerOf = new Int32Array(16).fill(-1);
  /** The first completion that read each value, or -1. */
  firstReader = new Int32Array(16).fill(-1);
  /** Sends and reads of this key with a value (an upper bound on what its version order notes). */
  quads = 0;
  order: VersionOrder | undefined;

  constructor(
    readonly id: number,
    readonly name: Key,
  ) {}

  intern(v: Value): number {
    let id = this.ids.get(v);
    if (id < 0) {
      id = this.values.length;
      this.ids.set(v, id);
      this.values.push(v);
      if (id === this.flags.length) {
        const flags = new Uint8Array(id * 2);
        flags.set(this.flags);
        this.flags = flags;
        const writerOf = new Int32Array(id * 2).fill(-1);
        writerOf.set(this.writerOf);
        this.writerOf = writerOf;
        const firstReader = new Int32Array(id * 2).fill(-1);
        firstReader.set(this.firstReader);
        this.firstReader = firstReader;
      }
    }
    return id;
  }
}

/**
 * The version order of a key (Jepsen's `version-orders`): every offset at which something
 * was observed, ascending; `index` counts only those offsets (a dense offset).
 */
interface VersionOrder {
  readonly offsets: Float64Array;
  /** Values observed at dense index i, in the order first observed: memberVals[memberStart[i]] .. memberVals[memberStart[i + 1] - 1]. */
  readonly memberStart: Int32Array;
  readonly memberVals: Int32Array;
  /** The value representing each dense index: the first one observed there. */
  readonly byIndex: Int32Array;
  /** Dense index of each value as a representative (the last such index), or -1. */
  readonly byValue: Int32Array;
  /** First and last dense index at which each value appears, or -1. */
  readonly firstIndex: Int32Array;
  readonly lastIndex: Int32Array;
  /** Number of offsets at which each value appears. */
  readonly count: Int32Array;
}

const INT_KEY = /^-?(0|[1-9][0-9]*)$/;

function displayKey(s: string): Key {
  if (INT_KEY.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return n;
  }
  return s;
}

export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Builds a null-prototype record, so input-chosen keys (`__proto__`) are plain entries. */
function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * Checks a Kafka-workload history incrementally: `add` each op in history order, then
 * `finish`. Memory stays proportional to the distinct values and the micro-ops of
 * completions, not to the ops' object graphs.
 */
export class HistoryChecker {
  private readonly keys: KeyState[] = [];
  private readonly keyIndex = new Map<string, KeyState>();
  private readonly recs = new RecStore();
  private readonly sources: SourceStore;
  private readonly opCache = new Map<number, HistoryOp>();
  private opsSeen = 0;
  private lastOkTime: number | null = null;
  /**
   * Elle's realtime graph (elle/core.clj, realtime-graph), built as the history is read: the ok
   * completions no later ok completion is known to follow (`rtFrontier`); each invocation
   * takes a copy, and its completion gets an edge from each (a transitive reduction of "a
   * completed before b was invoked"). Only send / poll / txn ops, as Jepsen's Kafka checker
   * filters the history before Elle sees it.
   */
  private readonly rtEdges = new EdgeList();
  private rtFrontier: number[] = [];
  private readonly rtPending = new Map<number, number[]>();
  /** Index and time of each process's pending invocation, then of each completion's (by ord). */
  private readonly invokedAt = new Map<number, [number, number | null]>();
  /** The invocation of the completion being added, if it has realtime predecessors. */
  private invocationOf: [number, number | null] | undefined;
  /** Elle's process graph (elle/core.clj, process-graph): each process's previous ok op. */
  private readonly procEdges = new EdgeList();
  /** Whether ww dependencies are inferred (Jepsen's NeverExplainer explains none when not). */
  private wwOn = false;
  private readonly lastOkOf = new Map<number, number>();

  private key(k: Key): KeyState {
    const s = typeof k === 'string' ? k : String(k);
    let ks = this.keyIndex.get(s);
    if (ks === undefined) {
      ks = new KeyState(this.keys.length, displayKey(s));
      this.keys.push(ks);
      this.keyIndex.set(s, ks);
    }
    return ks;
  }

  /**
   * @param file the history file the ops come from, if they come from one: ops added with a
   *   FileSpan are then read back from it when a report names them, and nothing of their text
   *   is held.
   */
  constructor(file?: string) {
    this.sources = new SourceStore(file);
  }

  /**
   * Adds the next op. `source` is the op's JSON text, or where that text is in the checker's
   * file, if the caller has it: the checker then keeps the text's bytes (or only where they
   * are) rather than the object. Ops must be valid (see normalizeOp).
   */
  add(op: HistoryOp, source?: string | FileSpan): void {
    this.opsSeen++;
    if (typeof op.process !== 'number') return;
    if (op.type === 'invoke') {
      if (op.f === 'send' || op.f === 'poll' || op.f === 'txn') {
        this.rtPending.set(op.process, this.rtFrontier);
        this.invokedAt.set(op.process, [op.index, typeof op.time === 'number' ? op.time : null]);
      }
      return;
    }
    const type = op.type === 'ok' ? OK : op.type === 'info' ? INFO : FAIL;
    let f: number;
    switch (op.f) {
      case 'send':
        f = F_SEND;
        break;
      case 'poll':
        f = F_POLL;
        break;
      case 'txn':
        f = F_TXN;
        break;
      case 'assign':
        f = F_ASSIGN;
        break;
      case 'subscribe':
        f = F_SUBSCRIBE;
        break;
      default:
        return; // crash, debug-topic-partitions: nothing to judge
    }
    const ord = this.recs.length;
    let w: number[] | null = null;
    let r: number[] | null = null;
    let keys: number[] | null = null;
    if (f === F_ASSIGN || f === F_SUBSCRIBE) {
      keys = ((op.value ?? []) as readonly Key[]).map((k) => this.key(k).id);
    } else {
      const mops = (op.value ?? []) as readonly Mop[];
      for (let m = 0; m < mops.length; m++) {
        const mop = mops[m]!;
        if (mop[0] === 'send') {
          const ks = this.key(mop[1]);
          const raw = mop[2];
          let v: Value;
          let off = NO_OFFSET;
          if (Array.isArray(raw)) {
            const pair = raw as OffsetValue;
            off = pair[0] ?? NO_OFFSET;
            v = pair[1];
          } else {
            v = raw as Value;
          }
          const vid = ks.intern(v);
          ks.quads++;
          (w ??= []).push(ks.id, vid, m, off);
          ks.writerOf[vid] = ord;
          if (type === OK) ks.flags[vid]! |= OK_WRITE;
          else if (type === FAIL) ks.flags[vid]! |= FAIL_WRITE;
        } else if (mop.length === 2 && mop[1] !== null && mop[1] !== undefined) {
          const result: PollResult = mop[1];
          for (const kname of Object.keys(result)) {
            const pairs = result[kname]!;
            const ks = this.key(kname);
            r ??= [];
            if (pairs.length === 0) {
              r.push(ks.id, NO_VALUE, m, NO_OFFSET);
              continue;
            }
            ks.quads += pairs.length;
            for (const [off, v] of pairs) {
              const vid = ks.intern(v);
              r.push(ks.id, vid, m, off ?? NO_OFFSET);
              if (ks.firstReader[vid]! < 0) ks.firstReader[vid] = ord;
              if (type === OK) ks.flags[vid]! |= OK_READ;
            }
          }
        }
      }
      if (type === OK) this.lastOkTime = typeof op.time === 'number' ? op.time : null;
    }
    let rebalanced: Set<number> | null = null;
    const log = op['rebalance-log'];
    if (log !== undefined && log.length > 0) {
      rebalanced = new Set();
      for (const ev of log) for (const k of ev.keys) rebalanced.add(this.key(k).id);
    }
    this.invocationOf = undefined;
    if (f === F_SEND || f === F_POLL || f === F_TXN) this.orderEdges(op.process, ord, type);
    this.recs.push({ index: op.index, process: op.process, type, f, w, r, keys, rebalanced }, this.invocationOf);
    this.invocationOf = undefined;
    this.sources.push(source, op);
  }

  /** Realtime and process edges into a send / poll / txn completion. */
  private orderEdges(process: number, ord: number, type: number): void {
    const before = this.rtPending.get(process);
    this.rtPending.delete(process);
    const inv = this.invokedAt.get(process);
    this.invokedAt.delete(process);
    if (before !== undefined && before.length > 0) this.invocationOf = inv;
    // Elle links to the completion whatever its type (a crashed op may have taken effect);
    // only ok ops are linked from.
    if (before !== undefined) for (const a of before) this.rtEdges.push(a, ord, RT);
    if (type !== OK) return;
    // The frontier is replaced, not mutated: pending invocations hold the old one.
    this.rtFrontier = before === undefined || before.length === 0 ? [...this.rtFrontier, ord] : [...this.rtFrontier.filter((a) => !before.includes(a)), ord];
    const last = this.lastOkOf.get(process);
    if (last !== undefined) this.procEdges.push(last, ord, PROC);
    this.lastOkOf.set(process, ord);
  }

  /** The op a record came from, rebuilt from its source text if need be. */
  private op(ord: number): HistoryOp {
    let op = this.opCache.get(ord);
    if (op === undefined) {
      const src = this.sources.get(ord, this.recs.get(ord).index);
      if (typeof src === 'string') {
        const parsed = JSON.parse(src) as Record<string, unknown>;
        if (parsed['index'] === undefined) parsed['index'] = this.recs.get(ord).index;
        op = parsed as unknown as HistoryOp;
      } else {
        op = src as HistoryOp;
      }
      this.opCache.set(ord, op);
    }
    return op;
  }

  /** Jepsen's must-have-committed?: ok, or info with some send of it read by an ok op. */
  private committed(rec: OpRec): boolean {
    if (rec.type === OK) return true;
    if (rec.type !== INFO || rec.w === null) return false;
    const w = rec.w;
    for (let i = 0; i < w.length; i += 4) {
      if ((this.keys[w[i]!]!.flags[w[i + 1]!]! & OK_READ) !== 0) return true;
    }
    return false;
  }

  private buildVersionOrders(): InconsistentOffsets[] {
    const logs = this.keys.map((ks) => new OffsetLog(ks.quads));
    for (const rec of this.recs) {
      // Sends count only when the op surely committed; polls count always, even failed
      // ones: Kafka's pollers must only ever see safe data.
      if (rec.w !== null && this.committed(rec)) {
        const w = rec.w;
        for (let i = 0; i < w.length; i += 4) if (w[i + 3]! >= 0) logs[w[i]!]!.note(w[i + 3]!, w[i + 1]!);
      }
      if (rec.r !== null) {
        const r = rec.r;
        for (let i = 0; i < r.length; i += 4) if (r[i + 1]! >= 0 && r[i + 3]! >= 0) logs[r[i]!]!.note(r[i + 3]!, r[i + 1]!);
      }
    }
    const inconsistent: InconsistentOffsets[] = [];
    for (const ks of this.keys) {
      const { offsets, start, vals } = logs[ks.id]!.groups();
      const nv = ks.values.length;
      const byIndex = new Int32Array(offsets.length);
      const byValue = new Int32Array(nv).fill(-1);
      const firstIndex = new Int32Array(nv).fill(-1);
      const lastIndex = new Int32Array(nv).fill(-1);
      const count = new Int32Array(nv);
      for (let i = 0; i < offsets.length; i++) {
        const from = start[i]!;
        const to = start[i + 1]!;
        byIndex[i] = vals[from]!;
        byValue[vals[from]!] = i;
        for (let x = from; x < to; x++) {
          const v = vals[x]!;
          if (firstIndex[v] === -1) firstIndex[v] = i;
          lastIndex[v] = i;
          count[v]!++;
        }
        if (to - from > 1) {
          inconsistent.push({
            key: ks.name,
            offset: offsets[i]!,
            index: i,
            values: Array.from(vals.subarray(from, to), (v) => ks.values[v]!).sort(compareValues),
          });
        }
      }
      ks.order = { offsets, memberStart: start, memberVals: vals, byIndex, byValue, firstIndex, lastIndex, count };
    }
    return inconsistent;
  }

  private duplicates(): Duplicate[] {
    const out: Duplicate[] = [];
    for (const ks of this.keys) {
      const o = ks.order!;
      // One pass over the log collects the offsets of every duplicated value.
      const offsetsOf = new Map<number, number[]>();
      for (let i = 0; i < o.offsets.length; i++) {
        for (let x = o.memberStart[i]!; x < o.memberStart[i + 1]!; x++) {
          const v = o.memberVals[x]!;
          if (o.count[v]! < 2) continue;
          let offs = offsetsOf.get(v);
          if (offs === undefined) offsetsOf.set(v, (offs = []));
          offs.push(o.offsets[i]!);
        }
      }
      for (const [v, offsets] of offsetsOf) out.push({ key: ks.name, value: ks.values[v]!, count: offsets.length, offsets });
    }
    return out;
  }

  private g1a(): G1a[] {
    const out: G1a[] = [];
    for (const rec of this.recs) {
      if (rec.type !== OK || rec.r === null) continue;
      const r = rec.r;
      for (let i = 0; i < r.length; i += 4) {
        const v = r[i + 1]!;
        if (v < 0) continue;
        const ks = this.keys[r[i]!]!;
        if ((ks.flags[v]! & FAIL_WRITE) === 0) continue;
        const writer = ks.writerOf[v]!;
        out.push({ key: ks.name, value: ks.values[v]!, writer: writer >= 0 ? this.op(writer) : null, reader: this.op(rec.ord) });
      }
    }
    return out;
  }

  private precommittedReads(): PrecommittedRead[] {
    const out: PrecommittedRead[] = [];
    for (const rec of this.recs) {
      if (rec.w === null || rec.r === null) continue;
      const w = rec.w;
      const r = rec.r;
      // Keys in the order first sent; one case per op, as Jepsen stops at the first key.
      const seenKeys = new Set<number>();
      search: for (let i = 0; i < w.length; i += 4) {
        const k = w[i]!;
        if (seenKeys.has(k)) continue;
        seenKeys.add(k);
        for (let j = i; j < w.length; j += 4) {
          if (w[j] !== k) continue;
          const v = w[j + 1]!;
          for (let x = 0; x < r.length; x += 4) {
            if (r[x] === k && r[x + 1] === v) {
              const ks = this.keys[k]!;
              out.push({ op: this.op(rec.ord), key: ks.name, value: ks.values[v]! });
              break search;
            }
          }
        }
      }
    }
    return out;
  }

  private lostWrites(): { cases: LostWrite[]; unknownWriters: number } {
    const out: LostWrite[] = [];
    let unknownWriters = 0;
    for (const ks of this.keys) {
      const o = ks.order!;
      let anyRead = false;
      let bound = -1;
      for (let v = 0; v < ks.values.length; v++) {
        if ((ks.flags[v]! & OK_READ) === 0) continue;
        anyRead = true;
        if (o.firstIndex[v]! > bound) bound = o.firstIndex[v]!;
      }
      if (!anyRead || bound < 0) continue;
      // Who read the value at the bound: the first value whose last appearance is there.
      let maxRead: HistoryOp | null = null;
      for (let x = o.memberStart[bound]!; x < o.memberStart[bound + 1]!; x++) {
        const v = o.memberVals[x]!;
        if (o.lastIndex[v] === bound) {
          const reader = ks.firstReader[v]!;
          maxRead = reader >= 0 ? this.op(reader) : null;
          break;
        }
      }
      for (let i = 0; i <= bound; i++) {
        for (let x = o.memberStart[i]!; x < o.memberStart[i + 1]!; x++) {
          const v = o.memberVals[x]!;
          if (o.lastIndex[v] !== i || (ks.flags[v]! & OK_READ) !== 0) continue;
          const writer = ks.writerOf[v]!;
          if (writer < 0) {
            unknownWriters++;
            continue;
          }
          if (!this.committed(this.recs.get(writer))) continue;
          out.push({
            key: ks.name,
            value: ks.values[v]!,
            index: o.firstIndex[v]!,
            'max-read-index': bound,
            writer: this.op(writer),
            'max-read': maxRead,
          });
        }
      }
    }
    return { cases: out, unknownWriters };
  }

  /** For each key an op touches: [key, first value or -1, last value or -1], in first-touch order. */
  private static firstLast(q: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < q.length; i += 4) {
      const k = q[i]!;
      const v = q[i + 1]!;
      let at = -1;
      for (let j = 0; j < out.length; j += 3) {
        if (out[j] === k) {
          at = j;
          break;
        }
      }
      if (at < 0) out.push(k, v, v);
      else if (v >= 0) {
        if (out[at + 1]! < 0) out[at + 1] = v;
        out[at + 2] = v;
      }
    }
    return out;
  }

  private skipped(o: VersionOrder, ks: KeyState, from: number, to: number): Value[] {
    const out: Value[] = [];
    for (let i = from + 1; i < to; i++) out.push(ks.values[o.byIndex[i]!]!);
    return out;
  }

  /** Jepsen's poll-skip+nonmonotonic-cases: each process's successive polls of a key. */
  private acrossPolls(): { skip: PollSkip[]; nonmonotonic: NonmonotonicAcrossOps[] } {
    const skip: PollSkip[] = [];
    const nonmonotonic: NonmonotonicAcrossOps[] = [];
    // process -> key -> [ord of the last ok op that read it, its last value or -1]
    const last = new Map<number, Map<number, [number, number]>>();
    for (const rec of this.recs) {
      let state = last.get(rec.process);
      if (rec.f === F_ASSIGN || rec.f === F_SUBSCRIBE) {
        // Keep only what the process is still assigned / subscribed to; a failed one
        // changed nothing.
        if (state !== undefined && rec.type !== FAIL) {
          const keep = new Set(rec.keys);
          for (const k of [...state.keys()]) if (!keep.has(k)) state.delete(k);
        }
        continue;
      }
      if (rec.r === null) continue;
      const fl = HistoryChecker.firstLast(rec.r);
      for (let j = 0; j < fl.length; j += 3) {
        const k = fl[j]!;
        const prev = state?.get(k);
        if (prev === undefined) continue;
        const ks = this.keys[k]!;
        const o = ks.order!;
        const v = prev[1];
        const v2 = fl[j + 1]!;
        const i = v >= 0 ? o.byValue[v]! : -1;
        const i2 = v2 >= 0 ? o.byValue[v2]! : -1;
        if (i < 0 || i2 < 0) continue;
        const delta = i2 - i;
        if (delta > 1) {
          skip.push({ key: ks.name, delta, skipped: this.skipped(o, ks, i, i2), ops: [this.op(prev[0]), this.op(rec.ord)] });
        } else if (delta < 1) {
          nonmonotonic.push({
            key: ks.name,
            values: [ks.values[v]!, ks.values[v2]!],
            delta,
            ops: [this.op(prev[0]), this.op(rec.ord)],
          });
        }
      }
      if (rec.type === OK) {
        if (state === undefined) last.set(rec.process, (state = new Map()));
        for (let j = 0; j < fl.length; j += 3) state.set(fl[j]!, [rec.ord, fl[j + 2]!]);
      }
    }
    return { skip, nonmonotonic };
  }

  /** Jepsen's nonmonotonic-send-cases: each process's successive sends to a key (ok and info ops). */
  private nonmonotonicSends(): NonmonotonicAcrossOps[] {
    const out: NonmonotonicAcrossOps[] = [];
    const last = new Map<number, Map<number, [number, number]>>();
    for (const rec of this.recs) {
      if (rec.type === FAIL) continue;
      let state = last.get(rec.process);
      if (rec.f === F_ASSIGN || rec.f === F_SUBSCRIBE) {
        if (state !== undefined) {
          const keep = new Set(rec.keys);
          for (const k of [...state.keys()]) if (!keep.has(k)) state.delete(k);
        }
        continue;
      }
      if (rec.w === null) continue;
      const fl = HistoryChecker.firstLast(rec.w);
      for (let j = 0; j < fl.length; j += 3) {
        const k = fl[j]!;
        const prev = state?.get(k);
        if (prev === undefined) continue;
        const ks = this.keys[k]!;
        const o = ks.order!;
        const i = o.byValue[prev[1]]!;
        const i2 = o.byValue[fl[j + 1]!]!;
        if (i < 0 || i2 < 0) continue;
        const delta = i2 - i;
        if (delta < 1) {
          out.push({
            key: ks.name,
            values: [ks.values[prev[1]]!, ks.values[fl[j + 1]!]!],
            delta,
            ops: [this.op(prev[0]), this.op(rec.ord)],
          });
        }
      }
      if (state === undefined) last.set(rec.process, (state = new Map()));
      for (let j = 0; j < fl.length; j += 3) state.set(fl[j]!, [rec.ord, fl[j + 2]!]);
    }
    return out;
  }

  /** Jepsen's int-{poll,send}-skip+nonmonotonic-cases: successive reads (sends) of a key within one op. */
  private internal(which: 'r' | 'w'): { skip: InternalSkip[]; nonmonotonic: InternalNonmonotonic[] } {
    const skip: InternalSkip[] = [];
    const nonmonotonic: InternalNonmonotonic[] = [];
    for (const rec of this.recs) {
      const q = rec[which];
      if (q === null || q.length <= 4) continue;
      const prev = new Map<number, number>();
      for (let x = 0; x < q.length; x += 4) {
        const k = q[x]!;
        const v2 = q[x + 1]!;
        if (v2 < 0) continue;
        const v1 = prev.get(k);
        prev.set(k, v2);
        if (v1 === undefined) continue;
        // A rebalance during the op voids the expectation of contiguous reads.
        if (which === 'r' && rec.rebalanced?.has(k) === true) continue;
        const ks = this.keys[k]!;
        const o = ks.order!;
        const i1 = o.byValue[v1]!;
        const i2 = o.byValue[v2]!;
        if (i1 < 0 || i2 < 0) continue;
        const delta = i2 - i1;
        const values: [Value, Value] = [ks.values[v1]!, ks.values[v2]!];
        if (delta > 1) {
          skip.push({ key: ks.name, values, delta, skipped: this.skipped(o, ks, i1, i2), op: this.op(rec.ord) });
        } else if (delta < 1) {
          nonmonotonic.push({ key: ks.name, values, delta, op: this.op(rec.ord) });
        }
      }
    }
    return { skip, nonmonotonic };
  }

  private unseen(): Unseen | undefined {
    const unseen = record<number>();
    const messages = record<Value[]>();
    let any = false;
    for (const ks of this.keys) {
      const vs: Value[] = [];
      for (let v = 0; v < ks.values.length; v++) {
        if ((ks.flags[v]! & (OK_WRITE | OK_READ)) === OK_WRITE) vs.push(ks.values[v]!);
      }
      if (vs.length === 0) continue;
      any = true;
      unseen[String(ks.name)] = vs.length;
      messages[String(ks.name)] = vs.sort(compareValues);
    }
    if (!any) return undefined;
    const sortedKeys = Object.keys(unseen).sort((a, b) => compareValues(displayKey(a), displayKey(b)));
    const u = record<number>();
    const m = record<Value[]>();
    for (const k of sortedKeys) {
      u[k] = unseen[k]!;
      m[k] = messages[k]!;
    }
    return { time: this.lastOkTime, unseen: u, messages: m };
  }

  private cycles(wwDeps: boolean, order: 'realtime' | 'process' | 'none'): { cycles: Map<CycleAnomaly, Cycle[]>; edges: number } {
    // The dependency edges are walked, not stored: the graph is built from two walks (count,
    // then place), so no list of them is held beside it (some 20 MB for a 1M-op history).
    const deps: EdgeWalk = (emit) => {
      if (wwDeps) {
        // ww: the writer of each value's predecessor in the version order precedes its writer.
        for (const ks of this.keys) {
          const o = ks.order!;
          for (let v2 = 0; v2 < ks.values.length; v2++) {
            const op2 = ks.writerOf[v2]!;
            const i2 = o.byValue[v2]!;
            if (op2 < 0 || i2 <= 0) continue;
            const op1 = ks.writerOf[o.byIndex[i2 - 1]!]!;
            if (op1 >= 0 && op1 !== op2) emit(op1, op2, WW);
          }
        }
      }
      // wr: the writer of every value read precedes the reader.
      for (let ord = 0; ord < this.recs.length; ord++) {
        const r = this.recs.reads(ord);
        if (r === null) continue;
        for (let i = 0; i < r.length; i += 4) {
          const v = r[i + 1]!;
          if (v < 0) continue;
          const writer = this.keys[r[i]!]!.writerOf[v]!;
          if (writer >= 0 && writer !== ord) emit(writer, ord, WR);
        }
      }
    };
    // Elle adds the realtime graph when realtime anomalies count, else the process graph when
    // process ones do (elle/txn.clj, additional-graphs): never both.
    const graph = edgeGraph(this.recs.length, order === 'realtime' ? [deps, this.rtEdges] : order === 'process' ? [deps, this.procEdges] : [deps]);
    const cycles = new Map<CycleAnomaly, Cycle[]>();
    for (const found of findCycles(graph)) {
      const vs = found.vertices;
      const steps: CycleStep[] = [];
      for (let i = 0; i < vs.length; i++) {
        const a = vs[i]!;
        const b = vs[(i + 1) % vs.length]!;
        steps.push(this.explain(a, b, found.rels[i]!));
      }
      // Elle names a cycle by its explained steps (elle/txn.clj, cycle-explainer).
      const base = steps.some((st) => st.type === 'wr') ? 'G1c' : 'G0';
      const variant = steps.some((st) => st.type === 'realtime') ? '-realtime' : steps.some((st) => st.type === 'process') ? '-process' : '';
      const type = `${base}${variant}` as CycleAnomaly;
      const cycle: Cycle = { type, cycle: [...vs, vs[0]!].map((v) => this.op(v)), steps };
      let list = cycles.get(type);
      if (list === undefined) cycles.set(type, (list = []));
      list.push(cycle);
    }
    return { cycles, edges: graph.dst.length };
  }

  private mopIndex(q: number[] | null, k: number, v: number): number {
    if (q !== null) for (let i = 0; i < q.length; i += 4) if (q[i] === k && q[i + 1] === v) return q[i + 2]!;
    return -1;
  }

  /**
   * Why a precedes b, as Elle's combined explainer says it: the first of ww, wr, realtime,
   * process that explains the pair (the graphs' order in Jepsen's Kafka checker), whichever
   * relation the search stepped along.
   */
  private explain(a: number, b: number, rels: number): CycleStep {
    const ra = this.recs.get(a);
    const rb = this.recs.get(b);
    const step = this.explainWw(a, ra, rb) ?? this.explainWr(a, ra, rb);
    if (step !== null) return step;
    if ((rels & RT) !== 0) {
      // b: the invocation of b' (Jepsen's h/invocation), as its index, time, process and f:
      // the checker does not keep invocations' values.
      const done = this.op(b);
      const [index, time] = this.recs.invocation(b) ?? [done.index, null];
      const invoke = { index, ...(time !== null ? { time } : {}), process: done.process, type: 'invoke', f: done.f } as HistoryOp;
      return { type: 'realtime', "a'": this.op(a), b: invoke };
    }
    if ((rels & PROC) !== 0) return { type: 'process', process: ra.process };
    throw new Error(`internal: no explanation for edge ${a} -> ${b}`);
  }

  private explainWw(a: number, ra: OpRec, rb: OpRec): CycleStep | null {
    if (this.wwOn && rb.w !== null) {
      const w = rb.w;
      for (let i = 0; i < w.length; i += 4) {
        const ks = this.keys[w[i]!]!;
        const o = ks.order!;
        const v2 = w[i + 1]!;
        const i2 = o.byValue[v2]!;
        if (i2 <= 0) continue;
        const v1 = o.byIndex[i2 - 1]!;
        if (ks.writerOf[v1] !== a) continue;
        return {
          type: 'ww',
          key: ks.name,
          value: ks.values[v1]!,
          "value'": ks.values[v2]!,
          'a-mop-index': this.mopIndex(ra.w, ks.id, v1),
          'b-mop-index': w[i + 2]!,
        };
      }
    }
    return null;
  }

  private explainWr(a: number, ra: OpRec, rb: OpRec): CycleStep | null {
    const r = rb.r;
    if (r === null) return null;
    for (let i = 0; i < r.length; i += 4) {
      const v = r[i + 1]!;
      if (v < 0) continue;
      const ks = this.keys[r[i]!]!;
      if (ks.writerOf[v] !== a) continue;
      return {
        type: 'wr',
        key: ks.name,
        value: ks.values[v]!,
        'a-mop-index': this.mopIndex(ra.w, ks.id, v),
        'b-mop-index': r[i + 2]!,
      };
    }
    return null;
  }

  private okCompletions(): number {
    let n = 0;
    for (let ord = 0; ord < this.recs.length; ord++) if (this.recs.typeOf(ord) === OK) n++;
    return n;
  }

  /** Runs every analysis and decides validity under the options. */
  finish(options: CheckOptions = {}): CheckResult {
    const errors: HistoryErrors = {};
    const inconsistent = this.buildVersionOrders();
    const put = <K extends keyof HistoryErrors>(name: K, cases: NonNullable<HistoryErrors[K]>): void => {
      if (cases.length > 0) errors[name] = cases;
    };
    this.wwOn = options.wwDeps === true;
    const cycles = this.cycles(this.wwOn, options.order ?? 'realtime');
    for (const [name, cases] of cycles.cycles) put(name, cases);
    put('G1a', this.g1a());
    if (cycles.edges === 0) errors['empty-transaction-graph'] = [{ completions: this.recs.length, ok: this.okCompletions() }];
    put('duplicate', this.duplicates());
    put('inconsistent-offsets', inconsistent);
    const intPoll = this.internal('r');
    const intSend = this.internal('w');
    put('int-nonmonotonic-poll', intPoll.nonmonotonic);
    put('int-nonmonotonic-send', intSend.nonmonotonic);
    put('int-poll-skip', intPoll.skip);
    put('int-send-skip', intSend.skip);
    const lost = this.lostWrites();
    put('lost-write', lost.cases);
    const polls = this.acrossPolls();
    put('nonmonotonic-poll', polls.nonmonotonic);
    put('nonmonotonic-send', this.nonmonotonicSends());
    put('poll-skip', polls.skip);
    put('precommitted-read', this.precommittedReads());
    const unseen = this.unseen();
    if (unseen !== undefined) errors.unseen = [unseen];

    this.sources.close();
    const errorTypes = (Object.keys(errors) as AnomalyName[]).sort();
    const allowed = allowedAnomalies(options);
    const bad = errorTypes.filter((t) => !allowed.has(t));
    const completions = this.recs.length;
    return {
      valid: bad.length === 0,
      'error-types': errorTypes,
      'bad-error-types': bad,
      errors,
      stats: { ops: this.opsSeen, completions, keys: this.keys.length, 'values-without-writer': lost.unknownWriters },
    };
  }
}

/**
 * Checks a whole history held in memory (or produced lazily). Each op is validated first;
 * a malformed one throws HistoryFormatError naming its position.
 */
export function checkHistory(ops: Iterable<HistoryInput>, options: CheckOptions = {}): CheckResult {
  const checker = new HistoryChecker();
  let i = 0;
  for (const op of ops) checker.add(validated(op, i++));
  return checker.finish(options);
}

/** As checkHistory, for an async source such as parseHistory(file). */
export async function checkHistoryAsync(ops: AsyncIterable<HistoryInput> | Iterable<HistoryInput>, options: CheckOptions = {}): Promise<CheckResult> {
  const checker = new HistoryChecker();
  let i = 0;
  for await (const op of ops) checker.add(validated(op, i++));
  return checker.finish(options);
}

function validated(op: HistoryInput, i: number): HistoryOp {
  try {
    return normalizeOp(op, i);
  } catch (e) {
    if (e instanceof Error) e.message = `op ${i}: ${e.message}`;
    throw e;
  }
}
