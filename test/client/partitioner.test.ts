import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey, toPositive } from '../../src/client/partitioner.js';

// kafkajs's Java-compatible partitioner hashes keys with this murmur2 port.
const require = createRequire(import.meta.url);
const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur2-java-compatible', () => {
  // Kafka's UtilsTest.testMurmur2 vectors.
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('murmur2(%j) is %i as in Kafka UtilsTest', (key, expected) => {
    expect(murmur2(utf8(key))).toBe(expected);
  });

  it('hashes every tail length and high bytes (signed Java bytes) like kafkajs', () => {
    const bytes = new Uint8Array([0xff, 0x80, 0x7f, 0x00, 0xfe, 0x01, 0xaa]);
    for (let n = 0; n <= bytes.length; n++) {
      const key = bytes.subarray(0, n);
      expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
    }
  });

  it('agrees with kafkajs murmur2 on random keys', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (key) => {
        expect(murmur2(key)).toBe(kafkajsMurmur2(Buffer.from(key)));
      }),
      { numRuns: 5000 },
    );
  });

  it('partitionForKey agrees with kafkajs JavaCompatiblePartitioner on random keys', async () => {
    const kafkajs = (await import('kafkajs')).default;
    const partitioner = kafkajs.Partitioners.JavaCompatiblePartitioner();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 1000 }), (key, n) => {
        const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionErrorCode: 0, partitionId: i, leader: 0, replicas: [0], isr: [0], offlineReplicas: [] }));
        const expected = partitioner({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } });
        expect(partitionForKey(key, n)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('always lands in [0, numPartitions)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 100000 }), (key, n) => {
        const p = partitionForKey(key, n);
        expect(Number.isInteger(p) && p >= 0 && p < n).toBe(true);
      }),
    );
  });
});

describe('toPositive', () => {
  it('clears the sign bit as Kafka Utils.toPositive does', () => {
    expect(toPositive(-790332482)).toBe(1357151166);
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(42)).toBe(42);
  });

  it('partitionForKey("foobar", 10) is 6 (1357151166 % 10)', () => {
    expect(partitionForKey(utf8('foobar'), 10)).toBe(6);
  });

  it('rejects a non-positive partition count', () => {
    expect(() => partitionForKey(utf8('k'), 0)).toThrow(RangeError);
  });
});
