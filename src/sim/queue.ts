/**
 * The kernel's event queue: a binary min-heap ordered by (time, sequence number). The sequence
 * number is assigned at insertion, so two events at the same virtual time run in the order
 * they were scheduled: no tie is ever broken by anything but the program's own order.
 */
export interface Scheduled<T> {
  readonly time: number;
  readonly seq: number;
  readonly item: T;
}

export class EventQueue<T> {
  private heap: Scheduled<T>[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, item: T): Scheduled<T> {
    const entry = { time, seq: this.nextSeq++, item };
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (before(p, entry)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
    return entry;
  }

  peek(): Scheduled<T> | undefined {
    return this.heap[0];
  }

  /**
   * The entries due at `time`, in (seq) order. For a chooser (exhaustive exploration): O(n),
   * never on the default path.
   */
  entriesAt(time: number): Scheduled<T>[] {
    return this.heap.filter((e) => e.time === time).sort((a, b) => a.seq - b.seq);
  }

  /** Every entry, in (time, seq) order (state hashing of exhaustive exploration). */
  entries(): Scheduled<T>[] {
    return [...this.heap].sort((a, b) => (a.time - b.time) || (a.seq - b.seq));
  }

  /** Take one entry out of the queue, wherever it is (a chooser picked an event other than the head). */
  remove(entry: Scheduled<T>): boolean {
    const h = this.heap;
    const i = h.indexOf(entry);
    if (i < 0) return false;
    const last = h.pop()!;
    if (i === h.length) return true;
    h[i] = last;
    // The moved entry may belong above or below its new place.
    let j = i;
    while (j > 0) {
      const parent = (j - 1) >> 1;
      if (before(h[parent]!, last)) break;
      h[j] = h[parent]!;
      j = parent;
    }
    h[j] = last;
    if (j === i) {
      const n = h.length;
      for (;;) {
        const l = 2 * j + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (before(last, h[c]!)) break;
        h[j] = h[c]!;
        j = c;
      }
      h[j] = last;
    }
    return true;
  }

  pop(): Scheduled<T> | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(h[r]!, h[l]!) ? r : l;
        if (before(last, h[c]!)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function before<T>(a: Scheduled<T>, b: Scheduled<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
