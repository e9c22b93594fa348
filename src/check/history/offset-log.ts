/**
 * What a key's log is observed to hold at each offset, for the version order (Jepsen's
 * `version-orders` in jepsen.tests.kafka): every (offset, value) a committed send or a poll
 * reported, noted in history order, then grouped by offset, ascending, each offset's values
 * distinct and in the order first noted.
 *
 * Held as typed arrays, not a Map of offsets per key: a 1M-op history notes some 1.5M pairs,
 * which as Map entries and a small array per offset cost about 70 MB of heap at the end of a
 * check; here they cost 12 bytes a pair while grouping, and 8 bytes an offset plus 4 a value
 * after.
 */

/** The grouped log: offset i holds vals[start[i]] .. vals[start[i + 1] - 1]. */
export interface OffsetGroups {
  readonly offsets: Float64Array;
  readonly start: Int32Array;
  readonly vals: Int32Array;
}

export class OffsetLog {
  private off: Float64Array;
  private val: Int32Array;
  private n = 0;
  private min = Infinity;
  private max = -Infinity;

  /**
   * @param capacity how many notes to make room for: an upper bound, if the caller knows one,
   *   saves growing the arrays (and the garbage of every smaller copy).
   */
  constructor(capacity = 16) {
    this.off = new Float64Array(Math.max(capacity, 1));
    this.val = new Int32Array(Math.max(capacity, 1));
  }

  note(offset: number, value: number): void {
    if (this.n === this.off.length) {
      const off = new Float64Array(this.n * 2);
      off.set(this.off);
      this.off = off;
      const val = new Int32Array(this.n * 2);
      val.set(this.val);
      this.val = val;
    }
    this.off[this.n] = offset;
    this.val[this.n] = value;
    this.n++;
    if (offset < this.min) this.min = offset;
    if (offset > this.max) this.max = offset;
  }

  /** The notes' positions, stably sorted by offset. */
  private sorted(): Uint32Array {
    const { n, off } = this;
    const order = new Uint32Array(n);
    const span = this.max - this.min + 1;
    if (n > 0 && span <= 4 * n + 1024) {
      // Offsets are dense (a log's are): a counting sort, stable and linear.
      const count = new Uint32Array(span + 1);
      for (let i = 0; i < n; i++) count[off[i]! - this.min + 1]!++;
      for (let j = 1; j <= span; j++) count[j]! += count[j - 1]!;
      for (let i = 0; i < n; i++) order[count[off[i]! - this.min]!++] = i;
      return order;
    }
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort((a, b) => off[a]! - off[b]! || a - b);
  }

  /** Groups the notes by offset (and lets go of them). */
  groups(): OffsetGroups {
    const order = this.sorted();
    const { off, val } = this;
    const offsets: number[] = [];
    const start: number[] = [];
    const vals = new Int32Array(this.n);
    let nv = 0;
    for (let j = 0; j < order.length; ) {
      const o = off[order[j]!]!;
      const from = nv;
      offsets.push(o);
      start.push(from);
      for (; j < order.length && off[order[j]!] === o; j++) {
        const v = val[order[j]!]!;
        let seen = false;
        for (let x = from; x < nv; x++) {
          if (vals[x] === v) {
            seen = true;
            break;
          }
        }
        if (!seen) vals[nv++] = v;
      }
    }
    start.push(nv);
    this.off = new Float64Array(0);
    this.val = new Int32Array(0);
    this.n = 0;
    return { offsets: Float64Array.from(offsets), start: Int32Array.from(start), vals: vals.slice(0, nv) };
  }
}
