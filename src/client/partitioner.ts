/**
 * Java-compatible key partitioning: Kafka's `Utils.murmur2`, `Utils.toPositive` and
 * `BuiltInPartitioner.partitionForKey`, bit for bit.
 *
 * Every arithmetic step is done in Java `int` semantics: `Math.imul` for the 32-bit
 * wrapping multiply, `>>>` for Java's unsigned shift, and `| 0` to bring results back to a
 * signed 32-bit value. The key's bytes are used as Java's signed `byte`s masked with 0xff,
 * which is the same as reading them unsigned from a Uint8Array.
 */

const SEED = 0x9747b28c | 0;
const M = 0x5bd1e995 | 0;
const R = 24;

/** Kafka's `Utils.murmur2(byte[])`: MurmurHash2, 32-bit, seed 0x9747b28c; returns a signed int. */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;

  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (bytes[i4] as number) |
      ((bytes[i4 + 1] as number) << 8) |
      ((bytes[i4 + 2] as number) << 16) |
      ((bytes[i4 + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // The tail: Java's switch falls through from case 3 to case 1.
  const tail = length & ~3;
  const rest = length % 4;
  if (rest >= 3) h ^= (bytes[tail + 2] as number) << 16;
  if (rest >= 2) h ^= (bytes[tail + 1] as number) << 8;
  if (rest >= 1) {
    h ^= bytes[tail] as number;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * Kafka's `Utils.toPositive(int)`: clears the sign bit (not `Math.abs`, which would leave
 * Integer.MIN_VALUE negative). Accepts any number and reads it as a Java int first.
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** Kafka's `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(key)) % numPartitions`. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions <= 0) {
    throw new RangeError(`numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(key)) % numPartitions;
}
