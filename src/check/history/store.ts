/**
 * Compact storage for the history checker: what it keeps of each of millions of completions
 * lives in typed arrays in fixed-size chunks (no object per op, no copy on growth), and each
 * op's text as UTF-8 bytes. A 1M-op history so costs tens of megabytes, not the hundreds a
 * JS object per op and a retained line string per op do (sliced strings keep whole read
 * chunks of the file alive).
 */

import { closeSync, openSync, readSync } from 'node:fs';
import { NOT_RECOGNISED, opLineJson, readOpLine } from '../../oracle/history/edn-line.js';

const SHIFT = 16;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;

type TypedArray = Int32Array | Float64Array | Uint8Array;

/** An append-only array of numbers in chunks of one typed-array kind. */
class Chunked<T extends TypedArray> {
  private readonly chunks: T[] = [];
  length = 0;

  constructor(private readonly make: (n: number) => T) {}

  push(x: number): void {
    const c = this.length >>> SHIFT;
    if (c === this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[c]![this.length & MASK] = x;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }
}

const i32 = (): Chunked<Int32Array> => new Chunked((n) => new Int32Array(n));
const f64 = (): Chunked<Float64Array> => new Chunked((n) => new Float64Array(n));
const u8 = (): Chunked<Uint8Array> => new Chunked((n) => new Uint8Array(n));

/** A completion as the analyses read it; built on demand from the store, never kept. */
export interface OpRec {
  readonly ord: number;
  readonly index: number;
  readonly process: number;
  readonly type: number;
  readonly f: number;
  /** Sends: [key, value, mop index, offset] per send, in order. */
  readonly w: number[] | null;
  /** Reads: [key, value | -1, mop index, offset] per polled message, in order. */
  readonly r: number[] | null;
  /** assign / subscribe: the keys. */
  readonly keys: readonly number[] | null;
  /** Keys named in the rebalance-log. */
  readonly rebalanced: ReadonlySet<number> | null;
}

/** [key, value, mop index] as int32 and the offset as a double, per micro-op. */
class Quads {
  private readonly kvm = i32();
  private readonly off = f64();

  get length(): number {
    return this.off.length;
  }

  append(q: readonly number[]): void {
    for (let i = 0; i < q.length; i += 4) {
      this.kvm.push(q[i]!);
      this.kvm.push(q[i + 1]!);
      this.kvm.push(q[i + 2]!);
      this.off.push(q[i + 3]!);
    }
  }

  slice(from: number, to: number): number[] | null {
    if (from === to) return null;
    const out = new Array<number>((to - from) * 4);
    for (let j = from, o = 0; j < to; j++, o += 4) {
      out[o] = this.kvm.get(j * 3);
      out[o + 1] = this.kvm.get(j * 3 + 1);
      out[o + 2] = this.kvm.get(j * 3 + 2);
      out[o + 3] = this.off.get(j);
    }
    return out;
  }
}

/** The completions of a history, by ordinal. */
export class RecStore {
  private readonly index = f64();
  private readonly process = i32();
  private readonly type = u8();
  private readonly f = u8();
  private readonly w = new Quads();
  private readonly r = new Quads();
  /** Where each completion's sends and reads begin (one more entry than completions). */
  private readonly wAt = i32();
  private readonly rAt = i32();
  /** Index and time of each completion's invocation (NaN: none seen). */
  private readonly invIndex = f64();
  private readonly invTime = f64();
  private readonly keys = new Map<number, readonly number[]>();
  private readonly rebalanced = new Map<number, ReadonlySet<number>>();

  constructor() {
    this.wAt.push(0);
    this.rAt.push(0);
  }

  get length(): number {
    return this.type.length;
  }

  push(
    rec: Omit<OpRec, 'ord'>,
    invocation: readonly [number, number | null] | undefined,
  ): void {
    const ord = this.length;
    this.index.push(rec.index);
    this.process.push(rec.process);
    this.type.push(rec.type);
    this.f.push(rec.f);
    if (rec.w !== null) this.w.append(rec.w);
    if (rec.r !== null) this.r.append(rec.r);
    this.wAt.push(this.w.length);
    this.rAt.push(this.r.length);
    this.invIndex.push(invocation?.[0] ?? NaN);
    this.invTime.push(invocation?.[1] ?? NaN);
    if (rec.keys !== null) this.keys.set(ord, rec.keys);
    if (rec.rebalanced !== null) this.rebalanced.set(ord, rec.rebalanced);
  }

  typeOf(ord: number): number {
    return this.type.get(ord);
  }

  get(ord: number): OpRec {
    return {
      ord,
      index: this.index.get(ord),
      process: this.process.get(ord),
      type: this.type.get(ord),
      f: this.f.get(ord),
      w: this.w.slice(this.wAt.get(ord), this.wAt.get(ord + 1)),
      r: this.r.slice(this.rAt.get(ord), this.rAt.get(ord + 1)),
      keys: this.keys.get(ord) ?? null,
      rebalanced: this.rebalanced.get(ord) ?? null,
    };
  }

  /** The reads of one completion alone (the cycle search's hot path). */
  reads(ord: number): number[] | null {
    return this.r.slice(this.rAt.get(ord), this.rAt.get(ord + 1));
  }

  /** Index and time of the completion's invocation, if it was seen. */
  invocation(ord: number): [number, number | null] | undefined {
    const i = this.invIndex.get(ord);
    if (Number.isNaN(i)) return undefined;
    const t = this.invTime.get(ord);
    return [i, Number.isNaN(t) ? null : t];
  }

  *[Symbol.iterator](): Generator<OpRec> {
    for (let ord = 0; ord < this.length; ord++) yield this.get(ord);
  }
}

/**
 * Where an op's text is in the history file: its byte offset and length. `edn`: the text is
 * an EDN line in the shape readOpLine reads (not JSON), read back into the same op.
 */
export interface FileSpan {
  readonly offset: number;
  readonly bytes: number;
  readonly edn?: true;
}

/**
 * What each completion came from, by ordinal: its text in the history file (a byte span, read
 * back only when a report names the op), its text kept here, or the op object itself (for
 * histories given as objects).
 */
export class SourceStore {
  private readonly kind = u8();
  private readonly a = f64();
  private readonly b = i32();
  private readonly texts = new TextStore();
  private readonly objects = new Map<number, unknown>();
  private fd: number | undefined;

  constructor(private readonly file?: string) {}

  /** Keeps the op's source: its text, where it is in the file (if there is a file), else the op. */
  push(source: string | FileSpan | undefined, op: object): void {
    const ord = this.kind.length;
    if (typeof source === 'string') {
      this.kind.push(1);
      this.a.push(this.texts.push(source));
      this.b.push(0);
    } else if (source !== undefined && this.file !== undefined) {
      this.kind.push(source.edn === true ? 3 : 2);
      this.a.push(source.offset);
      this.b.push(source.bytes);
    } else {
      this.kind.push(0);
      this.a.push(0);
      this.b.push(0);
      this.objects.set(ord, op);
    }
  }

  /**
   * The op's JSON text, or the op object. `index` is the op's index: an EDN line without one
   * was given its position, and is read back with the same.
   */
  get(ord: number, index: number): string | object {
    switch (this.kind.get(ord)) {
      case 1:
        return this.texts.get(this.a.get(ord));
      case 2:
        return this.read(ord);
      case 3: {
        const line = this.read(ord);
        const op = readOpLine(line, index);
        // The file changed under the checker since it was read.
        if (op === NOT_RECOGNISED) throw new Error(`${this.file}: the op at byte ${this.a.get(ord)} is no longer what was read there`);
        return opLineJson(op);
      }
      default:
        return this.objects.get(ord)!;
    }
  }

  private read(ord: number): string {
    this.fd ??= openSync(this.file!, 'r');
    const buf = Buffer.allocUnsafe(this.b.get(ord));
    readSync(this.fd, buf, 0, buf.length, this.a.get(ord));
    return buf.toString('utf8');
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const TEXT_CHUNK = 8 << 20;

/** Strings kept as UTF-8 bytes in large buffers: about one byte a character for JSON. */
export class TextStore {
  private readonly chunks: Buffer[] = [];
  private used = TEXT_CHUNK;
  private readonly chunkOf = i32();
  private readonly at = i32();
  private readonly len = i32();

  /** Stores a string; returns its handle. */
  push(s: string): number {
    const bytes = Buffer.byteLength(s, 'utf8');
    if (this.used + bytes > TEXT_CHUNK) {
      this.chunks.push(Buffer.allocUnsafe(Math.max(TEXT_CHUNK, bytes)));
      this.used = 0;
    }
    const c = this.chunks.length - 1;
    this.chunks[c]!.write(s, this.used, 'utf8');
    this.chunkOf.push(c);
    this.at.push(this.used);
    this.len.push(bytes);
    this.used += bytes;
    return this.len.length - 1;
  }

  get(h: number): string {
    const start = this.at.get(h);
    return this.chunks[this.chunkOf.get(h)]!.toString('utf8', start, start + this.len.get(h));
  }
}
