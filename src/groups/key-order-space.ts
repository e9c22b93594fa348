import fc from 'fast-check';
import { keyOrderPropertyId } from '../check/key-order.js';
import type { ScenarioInput } from '../cluster/scenario.js';
import { resolveConfig } from '../config/resolve.js';
import { configFields, type SearchBase } from '../workload/arbitraries.js';

/**
 * The search space of `key-order` (src/check/key-order.ts): one producer writing two keys, a
 * group of one to three consumers, and an admin client that adds partitions to the data topic
 * while it runs (CreatePartitions). The clients learn of the new partitions when their metadata
 * is metadata.max.age.ms old (5 minutes in Kafka, 3 s scaled), so production lasts past that;
 * a consumer may stall (a slow or paused member). No broker faults: the order breaks without any
 * (a fault only adds lag), and a space without them shrinks to a short story.
 *
 * Two keys, so that consecutive records of a key are close: what one member still has to read
 * of a key in its old partition is then easily overtaken by what another reads in the new one.
 */
export interface KeyOrderCase {
  seed: number;
  intervalMs: number;
  /** Records beyond the ones that take production past the clients' first metadata refresh. */
  extraRecords: number;
  consumers: number;
  protocol: 'eager' | 'cooperative';
  processingMs: number;
  createAt: number;
  /** Partitions added to the configured count. */
  added: number;
  stalls: { consumer: number; at: number; durationMs: number }[];
}

/** Virtual time after the last record for the group to read everything. */
const SETTLE_MS = 700;

export function keyOrderCaseArb(): fc.Arbitrary<KeyOrderCase> {
  return fc.record({
    seed: fc.nat({ max: 1_000_000 }),
    intervalMs: fc.integer({ min: 20, max: 100 }),
    extraRecords: fc.integer({ min: 0, max: 20 }),
    consumers: fc.integer({ min: 1, max: 3 }),
    protocol: fc.constantFrom<'eager' | 'cooperative'>('eager', 'cooperative'),
    processingMs: fc.integer({ min: 1, max: 200 }),
    createAt: fc.integer({ min: 0, max: 1000 }),
    added: fc.integer({ min: 1, max: 3 }),
    stalls: fc.array(fc.record({ consumer: fc.integer({ min: 0, max: 2 }), at: fc.integer({ min: 100, max: 3500 }), durationMs: fc.integer({ min: 1, max: 400 }) }), { maxLength: 1 }),
  });
}

export function keyOrderCaseToScenario(c: KeyOrderCase, base: SearchBase): ScenarioInput {
  const config = resolveConfig(base.preset, base.overrides, 'config', base.kafka);
  // Production goes on past the first metadata refresh after the partitions are added.
  const records = Math.ceil((c.createAt + config.metadataMaxAgeMs + 300) / c.intervalMs) + c.extraRecords;
  const durationMs = Math.max(base.durationMs, records * c.intervalMs + SETTLE_MS);
  return {
    seed: c.seed,
    durationMs,
    config: configFields(base),
    workload: {
      kind: 'produce',
      producers: 1,
      records,
      intervalMs: c.intervalMs,
      keys: 2,
      admin: [{ at: c.createAt, op: 'create-partitions', totalCount: Math.min(16, config.partitions + c.added) }],
      groups: [{ consumers: c.consumers, commit: 'after-process', reset: 'earliest', protocol: c.protocol, processingMs: c.processingMs, stalls: c.stalls.filter((s) => s.consumer < c.consumers), closes: [] }],
    },
    faults: [],
  };
}

/** The search space for `key-order`, or undefined for any other property (see exploreSpaceFor). */
export function keyOrderSpaceFor(property: string, base: SearchBase): { arb: fc.Arbitrary<KeyOrderCase>; toScenario: (c: KeyOrderCase) => ScenarioInput } | undefined {
  if (property !== keyOrderPropertyId) return undefined;
  return { arb: keyOrderCaseArb(), toScenario: (c) => keyOrderCaseToScenario(c, base) };
}
