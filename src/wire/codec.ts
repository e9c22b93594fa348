/**
 * One schema-driven codec for Kafka's protocol: it reads and writes any message of
 * schema/messages.ts (Kafka's own JSON definitions) at any of its versions, flexible versions
 * (KIP-482: compact strings, arrays and bytes, tagged fields) included. There is no encoder
 * function per message: the field table decides. Kafka's generated Java classes
 * (org.apache.kafka.common.message.*Data, from generator/MessageDataGenerator.java) are the
 * reference for the byte layout; the protocol guide (https://kafka.apache.org/protocol) for the
 * primitive types.
 *
 * A decoded message is a plain object keyed by Kafka's field names (PascalCase, as in the JSON);
 * int64 fields are bigint, uuid and bytes fields are Buffers, records fields are the raw bytes
 * (records.ts reads them).
 */
import { messages } from './schema/messages.js';
import type { FieldSpec, MessageSpec } from './schema/types.js';

export type Struct = { [field: string]: unknown };

/** A frame that cannot be read: the server answers or closes only that connection. */
export class MalformedFrame extends Error {}

// ---------------------------------------------------------------------------------------
// Version ranges

const rangeCache = new Map<string, (v: number) => boolean>();

/** "0+", "3-5", "7", "none" -> a predicate on versions. */
export function inRange(range: string | undefined, version: number): boolean {
  if (range === undefined) return false;
  let p = rangeCache.get(range);
  if (!p) {
    const m = /^(\d+)(\+|-(\d+))?$/.exec(range);
    if (range === 'none') p = () => false;
    else if (!m) throw new Error(`bad version range ${range}`);
    else if (m[2] === '+') {
      const lo = Number(m[1]);
      p = (v) => v >= lo;
    } else {
      const lo = Number(m[1]);
      const hi = m[3] === undefined ? lo : Number(m[3]);
      p = (v) => v >= lo && v <= hi;
    }
    rangeCache.set(range, p);
  }
  return p(version);
}

/** The [min, max] of a "0-12" validVersions. */
export function validRange(spec: MessageSpec): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.validVersions);
  if (!m) throw new Error(`bad validVersions ${spec.validVersions}`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

// ---------------------------------------------------------------------------------------
// Primitive reader and writer

export class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new MalformedFrame(`frame ends early: needed ${n} bytes at ${this.offset} of ${this.buf.length}`);
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }
  /** Unsigned LEB128, at most 5 bytes (a 32-bit value). */
  uvarint(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.int8() & 0xff;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) return value;
    }
    throw new MalformedFrame('varint longer than 5 bytes');
  }
  /** Zig-zag varint (record fields). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
  /** Zig-zag varlong, as a number (record timestamps and offsets fit in 2^53). */
  varlong(): number {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      const b = BigInt(this.int8() & 0xff);
      value |= (b & 0x7fn) << BigInt(7 * i);
      if ((b & 0x80n) === 0n) return Number((value >> 1n) ^ -(value & 1n));
    }
    throw new MalformedFrame('varlong longer than 10 bytes');
  }
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }
  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

export class Writer {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  private fixed(n: number, write: (b: Buffer) => void): void {
    const b = Buffer.alloc(n);
    write(b);
    this.push(b);
  }
  int8(v: number): void {
    this.fixed(1, (b) => b.writeInt8(v));
  }
  int16(v: number): void {
    this.fixed(2, (b) => b.writeInt16BE(v));
  }
  uint16(v: number): void {
    this.fixed(2, (b) => b.writeUInt16BE(v));
  }
  int32(v: number): void {
    this.fixed(4, (b) => b.writeInt32BE(v));
  }
  uint32(v: number): void {
    this.fixed(4, (b) => b.writeUInt32BE(v >>> 0));
  }
  int64(v: bigint | number): void {
    this.fixed(8, (b) => b.writeBigInt64BE(BigInt(v)));
  }
  float64(v: number): void {
    this.fixed(8, (b) => b.writeDoubleBE(v));
  }
  uvarint(v: number): void {
    const out: number[] = [];
    let x = v;
    while (x >= 0x80) {
      out.push((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    out.push(x);
    this.push(Buffer.from(out));
  }
  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }
  varlong(v: number): void {
    let z = (BigInt(v) << 1n) ^ (BigInt(v) >> 63n);
    const out: number[] = [];
    while (z >= 0x80n) {
      out.push(Number(z & 0x7fn) | 0x80);
      z >>= 7n;
    }
    out.push(Number(z));
    this.push(Buffer.from(out));
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  get length(): number {
    return this.size;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

// ---------------------------------------------------------------------------------------
// Schema-driven reading and writing

interface Ctx {
  readonly version: number;
  /** Whether this message version is flexible (compact types, tagged fields). */
  readonly flexible: boolean;
  readonly structs: ReadonlyMap<string, readonly FieldSpec[]>;
}

const PRIMITIVES = new Set(['bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'bytes', 'records', 'uuid']);

function structsOf(spec: MessageSpec): Map<string, readonly FieldSpec[]> {
  const m = new Map<string, readonly FieldSpec[]>();
  for (const s of spec.commonStructs ?? []) m.set(s.name, s.fields);
  return m;
}

/** The fields of a struct-typed field: inline, or one of the message's commonStructs. */
function fieldsOf(f: FieldSpec, type: string, ctx: Ctx): readonly FieldSpec[] {
  const fields = f.fields ?? ctx.structs.get(type);
  if (!fields) throw new Error(`no struct ${type} for field ${f.name}`);
  return fields;
}

const flexibleFor = (f: FieldSpec, ctx: Ctx) => (f.flexibleVersions !== undefined ? inRange(f.flexibleVersions, ctx.version) : ctx.flexible);
const isTagged = (f: FieldSpec, ctx: Ctx) => f.tag !== undefined && inRange(f.taggedVersions ?? f.versions, ctx.version);

/** The value a field has when it is absent (Kafka's "default", else zero, empty or null). */
export function defaultOf(f: FieldSpec): unknown {
  const d = f.default;
  if (f.type.startsWith('[]')) return [];
  if (d === 'null') return null;
  switch (f.type) {
    case 'bool':
      return d === true || d === 'true';
    case 'int64':
      return BigInt(d ?? 0);
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
    case 'float64':
      return Number(d ?? 0);
    case 'string':
      return typeof d === 'string' ? d : '';
    case 'bytes':
    case 'records':
      return Buffer.alloc(0);
    case 'uuid':
      return Buffer.alloc(16);
    default:
      return undefined;
  }
}

function readValue(r: Reader, f: FieldSpec, type: string, ctx: Ctx): unknown {
  const flexible = flexibleFor(f, ctx);
  const nullable = inRange(f.nullableVersions, ctx.version);
  if (type.startsWith('[]')) {
    const n = flexible ? r.uvarint() - 1 : r.int32();
    if (n < 0) {
      if (!nullable) throw new MalformedFrame(`${f.name}: null array`);
      return null;
    }
    if (n > r.remaining) throw new MalformedFrame(`${f.name}: ${n} elements in ${r.remaining} bytes`);
    const inner = type.slice(2);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(readValue(r, f, inner, ctx));
    return out;
  }
  switch (type) {
    case 'bool':
      return r.int8() !== 0;
    case 'int8':
      return r.int8();
    case 'int16':
      return r.int16();
    case 'uint16':
      return r.uint16();
    case 'int32':
      return r.int32();
    case 'uint32':
      return r.uint32();
    case 'int64':
      return r.int64();
    case 'float64':
      return r.float64();
    case 'uuid':
      return Buffer.from(r.bytes(16));
    case 'string': {
      const n = flexible ? r.uvarint() - 1 : r.int16();
      if (n < 0) {
        if (!nullable) throw new MalformedFrame(`${f.name}: null string`);
        return null;
      }
      return r.bytes(n).toString('utf8');
    }
    case 'bytes':
    case 'records': {
      const n = flexible ? r.uvarint() - 1 : r.int32();
      if (n < 0) {
        if (!nullable) throw new MalformedFrame(`${f.name}: null bytes`);
        return null;
      }
      return Buffer.from(r.bytes(n));
    }
    default:
      return readStruct(r, fieldsOf(f, type, ctx), ctx);
  }
}

function readStruct(r: Reader, fields: readonly FieldSpec[], ctx: Ctx): Struct {
  const out: Struct = {};
  for (const f of fields) {
    if (!inRange(f.versions, ctx.version)) continue;
    if (isTagged(f, ctx)) {
      out[f.name] = defaultOf(f);
      continue;
    }
    out[f.name] = readValue(r, f, f.type, ctx);
  }
  if (ctx.flexible) {
    const n = r.uvarint();
    for (let i = 0; i < n; i++) {
      const tag = r.uvarint();
      const size = r.uvarint();
      const data = r.bytes(size);
      const f = fields.find((x) => x.tag === tag && isTagged(x, ctx));
      // An unknown tag is skipped: that is what tagged fields are for (KIP-482).
      if (f) out[f.name] = readValue(new Reader(data), f, f.type, ctx);
    }
  }
  return out;
}

function writeValue(w: Writer, f: FieldSpec, type: string, value: unknown, ctx: Ctx): void {
  const flexible = flexibleFor(f, ctx);
  const nullable = inRange(f.nullableVersions, ctx.version);
  if (value === null || value === undefined) {
    if (value === undefined) {
      const d = defaultOf({ ...f, type });
      // An absent struct is written with every field at its default.
      return d === undefined ? writeStruct(w, fieldsOf(f, type, ctx), {}, ctx) : writeValue(w, f, type, d, ctx);
    }
    if (!nullable) throw new Error(`${f.name} is not nullable in version ${ctx.version}`);
    if (type === 'string' && !flexible) return w.int16(-1);
    return flexible ? w.uvarint(0) : w.int32(-1);
  }
  if (type.startsWith('[]')) {
    const items = value as readonly unknown[];
    if (flexible) w.uvarint(items.length + 1);
    else w.int32(items.length);
    const inner = type.slice(2);
    for (const item of items) writeValue(w, f, inner, item, ctx);
    return;
  }
  switch (type) {
    case 'bool':
      return w.int8(value ? 1 : 0);
    case 'int8':
      return w.int8(value as number);
    case 'int16':
      return w.int16(value as number);
    case 'uint16':
      return w.uint16(value as number);
    case 'int32':
      return w.int32(value as number);
    case 'uint32':
      return w.uint32(value as number);
    case 'int64':
      return w.int64(value as bigint | number);
    case 'float64':
      return w.float64(value as number);
    case 'uuid':
      return w.raw(value as Buffer);
    case 'string': {
      const b = Buffer.from(value as string, 'utf8');
      if (flexible) w.uvarint(b.length + 1);
      else w.int16(b.length);
      return w.raw(b);
    }
    case 'bytes':
    case 'records': {
      const b = value as Buffer;
      if (flexible) w.uvarint(b.length + 1);
      else w.int32(b.length);
      return w.raw(b);
    }
    default:
      return writeStruct(w, fieldsOf(f, type, ctx), value as Struct, ctx);
  }
}

const sameAsDefault = (f: FieldSpec, v: unknown): boolean => {
  const d = defaultOf(f);
  if (v === undefined || v === d) return true;
  if (Array.isArray(v)) return v.length === 0 && Array.isArray(d);
  if (Buffer.isBuffer(v) && Buffer.isBuffer(d)) return v.equals(d);
  return false;
};

function writeStruct(w: Writer, fields: readonly FieldSpec[], value: Struct, ctx: Ctx): void {
  const tagged: FieldSpec[] = [];
  for (const f of fields) {
    if (!inRange(f.versions, ctx.version)) continue;
    if (isTagged(f, ctx)) {
      if (!sameAsDefault(f, value[f.name])) tagged.push(f);
      continue;
    }
    writeValue(w, f, f.type, value[f.name], ctx);
  }
  if (ctx.flexible) {
    tagged.sort((a, b) => a.tag! - b.tag!);
    w.uvarint(tagged.length);
    for (const f of tagged) {
      const inner = new Writer();
      writeValue(inner, f, f.type, value[f.name], ctx);
      w.uvarint(f.tag!);
      w.uvarint(inner.length);
      w.raw(inner.toBuffer());
    }
  }
}

// ---------------------------------------------------------------------------------------
// Messages

export function specOf(name: string): MessageSpec {
  const s = messages[name];
  if (!s) throw new Error(`no message ${name}`);
  return s;
}

function ctxOf(spec: MessageSpec, version: number): Ctx {
  return { version, flexible: inRange(spec.flexibleVersions, version), structs: structsOf(spec) };
}

export function decodeMessage(name: string, version: number, r: Reader): Struct {
  const spec = specOf(name);
  return readStruct(r, spec.fields, ctxOf(spec, version));
}

export function encodeMessage(name: string, version: number, value: Struct, w: Writer = new Writer()): Writer {
  const spec = specOf(name);
  writeStruct(w, spec.fields, value, ctxOf(spec, version));
  return w;
}

/** Every field of a message at a version, at its default: the start of an error answer. */
export function emptyMessage(name: string, version: number): Struct {
  const spec = specOf(name);
  const ctx = ctxOf(spec, version);
  const fill = (fields: readonly FieldSpec[]): Struct => {
    const out: Struct = {};
    for (const f of fields) if (inRange(f.versions, version)) out[f.name] = !f.type.startsWith('[]') && !PRIMITIVES.has(f.type) ? fill(fieldsOf(f, f.type, ctx)) : defaultOf(f);
    return out;
  };
  return fill(spec.fields);
}

// ---------------------------------------------------------------------------------------
// Headers (RequestHeader.json, ResponseHeader.json)

export interface RequestHeader {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** The request API keys the table knows, by key: their request and response message names. */
export const apiNames: ReadonlyMap<number, string> = new Map(
  Object.values(messages)
    .filter((m) => m.type === 'request' && m.apiKey !== undefined)
    .map((m) => [m.apiKey!, m.name.replace(/Request$/, '')]),
);

/** Whether an API at a version is flexible (its headers are then v2 and v1: KIP-482). */
export function isFlexible(api: string, version: number): boolean {
  return inRange(specOf(`${api}Request`).flexibleVersions, version);
}

/** Read a request's header; `r` is left at the body. */
export function decodeRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  // ClientId is a nullable non-compact string in header v1 and v2 (its flexibleVersions is "none").
  const n = r.int16();
  const clientId = n < 0 ? null : r.bytes(n).toString('utf8');
  const api = apiNames.get(apiKey);
  // Header v2 (flexible requests) ends with tagged fields; an unknown API's are not read.
  if (api !== undefined) {
    const [lo, hi] = validRange(specOf(`${api}Request`));
    if (apiVersion >= lo && apiVersion <= hi && isFlexible(api, apiVersion)) {
      const tags = r.uvarint();
      for (let i = 0; i < tags; i++) {
        r.uvarint();
        r.bytes(r.uvarint());
      }
    }
  }
  return { apiKey, apiVersion, correlationId, clientId };
}

/** A request header, for clients (tests) and round trips. */
export function encodeRequestHeader(h: RequestHeader, w: Writer = new Writer()): Writer {
  w.int16(h.apiKey);
  w.int16(h.apiVersion);
  w.int32(h.correlationId);
  if (h.clientId === null) w.int16(-1);
  else {
    const b = Buffer.from(h.clientId, 'utf8');
    w.int16(b.length);
    w.raw(b);
  }
  const api = apiNames.get(h.apiKey);
  if (api !== undefined && isFlexible(api, h.apiVersion)) w.uvarint(0);
  return w;
}

/**
 * A response frame: size, correlation id, the header's tagged fields when flexible, the body.
 * ApiVersions always answers with response header v0, so that a client that does not yet know
 * the broker's versions can read it (KIP-511; ApiVersionsResponse.json).
 */
export function encodeResponse(api: string, version: number, correlationId: number, body: Struct): Buffer {
  const w = new Writer();
  w.int32(0);
  w.int32(correlationId);
  if (api !== 'ApiVersions' && isFlexible(api, version)) w.uvarint(0);
  encodeMessage(`${api}Response`, version, body, w);
  const out = w.toBuffer();
  out.writeInt32BE(out.length - 4, 0);
  return out;
}
