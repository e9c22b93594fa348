/**
 * Record batches, message format v2 (KIP-98; Kafka's DefaultRecordBatch.java and
 * DefaultRecord.java): the batch header, CRC-32C over everything after the CRC field, and
 * varint-framed records. Compressed batches are read: gzip (node's zlib), snappy (snappyjs, with
 * the xerial framing Kafka's Java client writes: SnappyFactory / xerial SnappyOutputStream), lz4
 * (lz4js, LZ4 frame format: KafkaLZ4BlockOutputStream) and zstd (fzstd). The server writes its
 * batches uncompressed. Message formats v0 and v1 (magic 0 and 1) are not read.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { crc32c } from '@aws-crypto/crc32c';
import { decompress as zstdDecompress } from 'fzstd';
import { decompress as lz4Decompress, compress as lz4Compress } from 'lz4js';
import { uncompress as snappyUncompress, compress as snappyCompress } from 'snappyjs';
import { MalformedFrame, Reader, Writer } from './codec.js';

export interface WireHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface WireRecord {
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly WireHeader[];
}

export interface RecordBatch {
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly compression: Compression;
  readonly timestampType: 0 | 1;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: readonly WireRecord[];
}

/** Attributes bits 0-2 (DefaultRecordBatch.COMPRESSION_CODEC_MASK). */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Thrown for a batch a broker refuses as corrupt (Kafka answers CORRUPT_MESSAGE). */
export class CorruptRecord extends Error {}

/** Offset of the CRC field and of the attributes it starts covering (DefaultRecordBatch). */
const CRC_OFFSET = 17;
const ATTRIBUTES_OFFSET = 21;
const HEADER_SIZE = 61;

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function uncompress(codec: Compression, data: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gunzipSync(data);
    case 'snappy': {
      if (data.length < 16 || !data.subarray(0, 8).equals(XERIAL_MAGIC)) return Buffer.from(snappyUncompress(data));
      // Xerial framing: magic, version, compatible version, then (length, snappy block) chunks.
      const r = new Reader(data);
      r.bytes(16);
      const parts: Buffer[] = [];
      while (r.remaining > 0) parts.push(Buffer.from(snappyUncompress(r.bytes(r.int32()))));
      return Buffer.concat(parts);
    }
    case 'lz4':
      return Buffer.from(lz4Decompress(data));
    case 'zstd':
      return Buffer.from(zstdDecompress(data));
  }
}

/** For tests and clients: compress the records section as a producer would. */
export function compress(codec: Compression, data: Buffer): Buffer {
  switch (codec) {
    case 'none':
      return data;
    case 'gzip':
      return gzipSync(data);
    case 'snappy':
      return Buffer.from(snappyCompress(data));
    case 'lz4':
      return Buffer.from(lz4Compress(data));
    case 'zstd':
      throw new Error('the model reads zstd batches but does not write them (fzstd only decompresses)');
  }
}

const nullableBytes = (r: Reader): Buffer | null => {
  const n = r.varint();
  return n < 0 ? null : Buffer.from(r.bytes(n));
};

function readRecord(r: Reader, baseOffset: number, baseTimestamp: number): WireRecord {
  const length = r.varint();
  const end = r.offset + length;
  if (length < 0 || end > r.buf.length) throw new CorruptRecord(`record length ${length} overruns the batch`);
  r.int8(); // attributes: unused in v2
  const timestampDelta = r.varlong();
  const offsetDelta = r.varint();
  const key = nullableBytes(r);
  const value = nullableBytes(r);
  const headers: WireHeader[] = [];
  const n = r.varint();
  for (let i = 0; i < n; i++) {
    const k = nullableBytes(r);
    headers.push({ key: k?.toString('utf8') ?? '', value: nullableBytes(r) });
  }
  if (r.offset !== end) throw new CorruptRecord('record length does not match its content');
  return { offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, headers };
}

/** Read every batch of a `records` field (a produce request's, a fetch response's). */
export function decodeBatches(buf: Buffer): RecordBatch[] {
  const out: RecordBatch[] = [];
  const r = new Reader(buf);
  // A fetch response may end with a partial batch; a produce request may not (callers check).
  while (r.remaining >= HEADER_SIZE) {
    const start = r.offset;
    const baseOffset = Number(r.int64());
    const batchLength = r.int32();
    if (batchLength < HEADER_SIZE - 12 || start + 12 + batchLength > buf.length) throw new CorruptRecord(`batch length ${batchLength} does not fit`);
    const partitionLeaderEpoch = r.int32();
    const magic = r.int8();
    if (magic !== 2) throw new CorruptRecord(`message format v${magic}: only v2 record batches are read`);
    const crc = r.uint32();
    const end = start + 12 + batchLength;
    if ((crc32c(buf.subarray(start + ATTRIBUTES_OFFSET, end)) >>> 0) !== crc) throw new CorruptRecord('CRC-32C of the batch does not match');
    const attributes = r.int16();
    const lastOffsetDelta = r.int32();
    const baseTimestamp = Number(r.int64());
    const maxTimestamp = Number(r.int64());
    const producerId = Number(r.int64());
    const producerEpoch = r.int16();
    const baseSequence = r.int32();
    const count = r.int32();
    const codec = COMPRESSIONS[attributes & 0x7];
    if (codec === undefined) throw new CorruptRecord(`unknown compression codec ${attributes & 0x7}`);
    let body: Buffer;
    try {
      body = uncompress(codec, Buffer.from(r.bytes(end - r.offset)));
    } catch (e) {
      throw new CorruptRecord(`${codec} batch does not decompress: ${(e as Error).message}`);
    }
    const br = new Reader(body);
    const records: WireRecord[] = [];
    try {
      for (let i = 0; i < count; i++) records.push(readRecord(br, baseOffset, baseTimestamp));
    } catch (e) {
      if (e instanceof MalformedFrame) throw new CorruptRecord(`records end early: ${e.message}`);
      throw e;
    }
    out.push({
      baseOffset,
      partitionLeaderEpoch,
      compression: codec,
      timestampType: attributes & 0x8 ? 1 : 0,
      isTransactional: (attributes & 0x10) !== 0,
      isControl: (attributes & 0x20) !== 0,
      lastOffsetDelta,
      baseTimestamp,
      maxTimestamp,
      producerId,
      producerEpoch,
      baseSequence,
      records,
    });
  }
  return out;
}

export interface BatchToWrite {
  readonly baseOffset: number;
  readonly partitionLeaderEpoch?: number;
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  readonly compression?: Compression;
  readonly records: readonly WireRecord[];
}

const writeNullable = (w: Writer, b: Buffer | null) => {
  if (b === null) return w.varint(-1);
  w.varint(b.length);
  w.raw(b);
};

/** One v2 record batch, with its CRC-32C. Records' offsets and timestamps become deltas. */
export function encodeBatch(batch: BatchToWrite): Buffer {
  const first = batch.records[0];
  const baseTimestamp = first?.timestamp ?? 0;
  const body = new Writer();
  for (const rec of batch.records) {
    const w = new Writer();
    w.int8(0);
    w.varlong(rec.timestamp - baseTimestamp);
    w.varint(rec.offset - batch.baseOffset);
    writeNullable(w, rec.key);
    writeNullable(w, rec.value);
    w.varint(rec.headers.length);
    for (const h of rec.headers) {
      writeNullable(w, Buffer.from(h.key, 'utf8'));
      writeNullable(w, h.value);
    }
    body.varint(w.length);
    body.raw(w.toBuffer());
  }
  const codec = batch.compression ?? 'none';
  const records = compress(codec, body.toBuffer());
  const maxTimestamp = batch.records.reduce((m, r) => Math.max(m, r.timestamp), baseTimestamp);
  const lastOffsetDelta = batch.records.length === 0 ? 0 : batch.records[batch.records.length - 1]!.offset - batch.baseOffset;
  const attributes = COMPRESSIONS.indexOf(codec) | (batch.isTransactional ? 0x10 : 0) | (batch.isControl ? 0x20 : 0);
  const w = new Writer();
  w.int64(batch.baseOffset);
  w.int32(HEADER_SIZE - 12 + records.length);
  w.int32(batch.partitionLeaderEpoch ?? -1);
  w.int8(2);
  w.uint32(0);
  w.int16(attributes);
  w.int32(lastOffsetDelta);
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(batch.producerId ?? -1);
  w.int16(batch.producerEpoch ?? -1);
  w.int32(batch.baseSequence ?? -1);
  w.int32(batch.records.length);
  w.raw(records);
  const out = w.toBuffer();
  out.writeUInt32BE(crc32c(out.subarray(ATTRIBUTES_OFFSET)) >>> 0, CRC_OFFSET);
  return out;
}
