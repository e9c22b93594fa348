import { describe, expect, it } from 'vitest';
import { COMPRESSIONS, CorruptRecord, decodeBatches, encodeBatch, type WireRecord } from '../../src/wire/records.js';

const records: WireRecord[] = [
  { offset: 10, timestamp: 1_700_000_000_000, key: Buffer.from('k1'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] },
  { offset: 11, timestamp: 1_700_000_000_005, key: null, value: Buffer.from('v2'.repeat(50)), headers: [] },
  { offset: 12, timestamp: 1_699_999_999_999, key: Buffer.from('k3'), value: null, headers: [{ key: 'n', value: null }] },
];

describe('record batches v2', () => {
  for (const compression of COMPRESSIONS.filter((c) => c !== 'zstd')) {
    it(`wire-batch-roundtrip: a ${compression} batch reads back record for record`, () => {
      const bytes = encodeBatch({ baseOffset: 10, partitionLeaderEpoch: 3, producerId: 7, producerEpoch: 1, baseSequence: 0, compression, records });
      const [batch, ...rest] = decodeBatches(bytes);
      expect(rest).toEqual([]);
      expect(batch).toMatchObject({ baseOffset: 10, partitionLeaderEpoch: 3, compression, producerId: 7, producerEpoch: 1, baseSequence: 0, lastOffsetDelta: 2, isTransactional: false, isControl: false });
      expect(batch!.maxTimestamp).toBe(1_700_000_000_005);
      expect(batch!.records).toEqual(records);
    });
  }

  it('several batches in one records field are read in order', () => {
    const a = encodeBatch({ baseOffset: 0, records: [{ ...records[0]!, offset: 0 }] });
    const b = encodeBatch({ baseOffset: 1, isTransactional: true, records: [{ ...records[1]!, offset: 1 }] });
    const batches = decodeBatches(Buffer.concat([a, b]));
    expect(batches.map((x) => [x.baseOffset, x.isTransactional, x.records.length])).toEqual([
      [0, false, 1],
      [1, true, 1],
    ]);
  });

  it('a batch whose bytes changed fails its CRC-32C', () => {
    const bytes = encodeBatch({ baseOffset: 0, records });
    bytes[bytes.length - 2]! ^= 0xff;
    expect(() => decodeBatches(bytes)).toThrow(CorruptRecord);
  });

  it('the CRC is Kafka\'s CRC-32C (Castagnoli): the known check value of "123456789"', async () => {
    const { crc32c } = await import('@aws-crypto/crc32c');
    expect(crc32c(Buffer.from('123456789')) >>> 0).toBe(0xe3069283);
  });

  it('a batch length beyond the buffer and an old message format are refused', () => {
    const bytes = encodeBatch({ baseOffset: 0, records });
    const longer = Buffer.from(bytes);
    longer.writeInt32BE(bytes.length * 2, 8);
    expect(() => decodeBatches(longer)).toThrow(/does not fit/);
    const v1 = Buffer.from(bytes);
    v1.writeInt8(1, 16);
    expect(() => decodeBatches(v1)).toThrow(/only v2/);
  });
});
