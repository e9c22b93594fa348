/**
 * Which `__consumer_offsets` / `__transaction_state` partition an id lives on
 * (src/machines/coordinator-partition.ts), against values Java computes: String.hashCode and
 * Kafka's Utils.abs(n) = n == Integer.MIN_VALUE ? 0 : Math.abs(n). The expected values were
 * printed by `java` (OpenJDK) from `s.hashCode()` and that expression.
 */
import { describe, expect, it } from 'vitest';
import {
  groupMetadataPartitionFor,
  groupMetadataPartitionName,
  javaStringHashCode,
  kafkaAbs,
  partitionFor,
  transactionStatePartitionFor,
  transactionStatePartitionName,
} from '../../src/machines/coordinator-partition.js';

describe("Java's String.hashCode", () => {
  it.each([
    ['', 0],
    ['a', 97],
    ['hello', 99162322],
    ['g0', 3241],
    ['g1', 3242],
    // Overflows 32 bits: wraps to a negative int as Java's does.
    ['The quick brown fox jumps over the lazy dog', -609428141],
    ['producer0', -1051843874],
    // The one string every Java programmer meets whose hash is Integer.MIN_VALUE.
    ['polygenelubricants', -2147483648],
  ])('%j hashes to %d', (s, h) => {
    expect(javaStringHashCode(s)).toBe(h);
  });

  it('hashes UTF-16 code units, as Java does (a surrogate pair is two chars)', () => {
    // "😀" is \uD83D\uDE00 in UTF-16: 55357 * 31 + 56832.
    expect(javaStringHashCode('😀')).toBe(55357 * 31 + 56832);
  });
});

describe("Kafka's Utils.abs and partitionFor", () => {
  it('is Math.abs except for Integer.MIN_VALUE, which gives 0 (not toPositive, n & 0x7fffffff)', () => {
    expect(kafkaAbs(-609428141)).toBe(609428141);
    expect(kafkaAbs(-2147483648)).toBe(0);
    expect(kafkaAbs(5)).toBe(5);
    // toPositive would give 1538055507 for the fox: a different partition of 3 (0, not 2).
    expect(partitionFor('The quick brown fox jumps over the lazy dog', 3)).toBe(2);
  });

  it.each([
    // id, partition of 3, partition of 50 (Kafka's default count): Java's values.
    ['', 0, 0],
    ['a', 1, 47],
    ['hello', 1, 22],
    ['g0', 1, 41],
    ['g1', 2, 42],
    ['polygenelubricants', 0, 0],
    ['The quick brown fox jumps over the lazy dog', 2, 41],
    ['producer0', 2, 24],
  ])('%j is on partition %d of 3 and %d of 50', (id, of3, of50) => {
    expect(partitionFor(id, 3)).toBe(of3);
    expect(partitionFor(id, 50)).toBe(of50);
  });

  it('puts every id on partition 0 when there is one partition (the model before these settings)', () => {
    for (const id of ['', 'g0', 'g1', 'producer0', 'polygenelubricants']) expect(partitionFor(id, 1)).toBe(0);
  });

  it('reads each count from its own setting', () => {
    const config = { offsetsTopicNumPartitions: 3, transactionStateLogNumPartitions: 50 };
    expect(groupMetadataPartitionFor(config, 'g1')).toBe(2);
    expect(groupMetadataPartitionName(config, 'g1')).toBe('__consumer_offsets-2');
    expect(transactionStatePartitionFor(config, 'producer0')).toBe(24);
    expect(transactionStatePartitionName(config, 'producer0')).toBe('__transaction_state-24');
  });
});
