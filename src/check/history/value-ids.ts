import type { Value } from '../../oracle/history/types.js';

/**
 * The dense id of each value of a key. Jepsen's Kafka workload writes integer values, and a
 * 1M-op history has some 300,000 of them: as a Map they cost about 14 MB of heap, in this
 * open-addressing table of typed arrays (int32 values) about 4 MB. Other values (strings,
 * fractions, integers beyond int32) go to a Map.
 */
export class ValueIds {
  private keys = new Int32Array(64);
  /** id + 1 per slot; 0: empty. */
  private ids = new Int32Array(64);
  private used = 0;
  /** 32 - log2 of the table's size: the hash's top bits pick the slot. */
  private shift = 26;
  private readonly others = new Map<Value, number>();

  /** The id of v, or -1. */
  get(v: Value): number {
    if (typeof v === 'number' && (v | 0) === v) {
      const mask = this.keys.length - 1;
      for (let i = slot(v, this.shift); ; i = (i + 1) & mask) {
        const id = this.ids[i]!;
        if (id === 0) return -1;
        if (this.keys[i] === v) return id - 1;
      }
    }
    return this.others.get(v) ?? -1;
  }

  /** Records v's id (v must not have one). */
  set(v: Value, id: number): void {
    if (typeof v === 'number' && (v | 0) === v) {
      if (2 * (this.used + 1) > this.keys.length) this.grow();
      this.place(v, id + 1);
      this.used++;
    } else {
      this.others.set(v, id);
    }
  }

  private place(v: number, idPlus1: number): void {
    const mask = this.keys.length - 1;
    let i = slot(v, this.shift);
    while (this.ids[i] !== 0) i = (i + 1) & mask;
    this.keys[i] = v;
    this.ids[i] = idPlus1;
  }

  private grow(): void {
    const keys = this.keys;
    const ids = this.ids;
    this.keys = new Int32Array(keys.length * 2);
    this.ids = new Int32Array(ids.length * 2);
    this.shift--;
    for (let i = 0; i < keys.length; i++) if (ids[i] !== 0) this.place(keys[i]!, ids[i]!);
  }
}

/** Fibonacci hashing: consecutive values (the usual case) spread over the table. */
function slot(v: number, shift: number): number {
  return Math.imul(v, 0x9e3779b1) >>> shift;
}
