/**
 * Consume-transform-produce groups under KIP-848 (groupProtocol consumer): TxnOffsetCommit
 * carries the member epoch as its generation (ConsumerGroupMetadata), the coordinator validates
 * it as ConsumerGroup.validateOffsetCommit(isTransactional = true) and keeps the offsets pending
 * until the transaction's marker (spec/consumer-groups.md, "Transactional offset commits").
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { exploreAsync as explore } from '../../src/explore/search.js';
import { expectFoundAndShrunk, explain } from '../helpers/search.js';
import { crashesScenario, zombieScenario } from './scenarios.js';

const notesOf = (world: ReturnType<typeof runScenario>['world']) => world.trace.events().flatMap((e) => (e.e === 'note' ? [e.text] : []));

describe('on consumer-protocol, the transaction properties hold (quick samples)', () => {
  // exactly-once is sampled below, with the shorter session that makes zombies frequent.
  it.each(['no-aborted-reads', 'atomic-visibility'])('%s', async (property) => {
    const r = await explore({ property, preset: 'consumer-protocol', runs: 6, seed: 7 });
    expect(r.found, explain(r)).toBe(false);
  });

  it('a consume-transform-produce group through a broker crash and a consumer crash: every committed input has exactly one output', () => {
    const { summary, world } = runScenario(crashesScenario('consumer-protocol', ['no-duplicates', 'exactly-once', 'no-aborted-reads', 'atomic-visibility', 'stale-commit-fenced']), 'full');
    expect(summary.violation).toBeUndefined();
    const notes = notesOf(world);
    // The KIP-848 coordinator ran the group, and COMMIT markers made transactional offsets the group's.
    expect(notes.some((t) => /group-g0 target assignment of epoch \d+/.test(t))).toBe(true);
    expect(notes.some((t) => /group-g0 COMMIT marker for producer \d+: offsets \[\[/.test(t))).toBe(true);
    expect(notes.some((t) => /ends transaction \d+: abort/.test(t))).toBe(true);
  });
});

describe('zombie fencing by member epoch (KIP-447 under KIP-848)', () => {
  // Two consume-transform-produce consumers; g0-c0 stalls past its session timeout with its
  // transaction open, the coordinator fences it and hands its partition to g0-c1, and it wakes
  // up with its TxnOffsetCommit sent before the heartbeat that tells it it was fenced is answered.
  // (A stall scan of this workload: starts 200-360 ms, 150-400 ms long; this is one that races.)
  const scenario = (preset: string) => zombieScenario(preset, { at: 240, durationMs: 400 });

  it('consumer-protocol: the zombie\'s TxnOffsetCommit is refused (it is no longer a member) and it aborts', () => {
    const { summary, world } = runScenario(scenario('consumer-protocol'), 'full');
    expect(summary.violation).toBeUndefined();
    const notes = notesOf(world);
    expect(notes.some((t) => /group-g0 fenced g0-c0@\d+ \(session timeout\)/.test(t))).toBe(true);
    expect(notes.some((t) => /g0-c0 transaction 0 must abort: UNKNOWN_MEMBER_ID on TxnOffsetCommit/.test(t))).toBe(true);
  });

  it('no-member-epoch-fencing: the zombie commits its transaction and the input is output twice', () => {
    const { summary, world } = runScenario(scenario('no-member-epoch-fencing'), 'full');
    expect(summary.violation?.property).toBe('exactly-once');
    expect(summary.violation?.message).toMatch(/has 2 outputs/);
    expect(notesOf(world).some((t) => /g0-c0 committed transaction 0/.test(t))).toBe(true);
  });
});

describe('the search finds the zombie on no-member-epoch-fencing', () => {
  // With Kafka 4.x's session timeout (45 s, scaled) the search found nothing in 60-100 runs from
  // seeds 1-8 (spec/consumer-groups.md); with session.timeout.ms = 10 s (scaled: 100 ms), seed 13
  // finds it at run index 7, and seed 2 at 30. The same runs on consumer-protocol hold.
  const search = { property: 'exactly-once', overrides: { sessionTimeoutMs: 100 }, runs: 12, seed: 13 } as const;

  it('no-member-epoch-fencing: exactly-once is refuted, shrunk and replayable', async () => {
    // Shrinking capped for the suite's time: 4 attempts reach 16 steps (20 get no further).
    const { result } = await expectFoundAndShrunk({ ...search, preset: 'no-member-epoch-fencing', maxShrinks: 4 }, 20);
    expect(result.violation?.message).toMatch(/has 2 outputs/);
  });

  it('consumer-protocol: the same runs hold', async () => {
    const r = await explore({ ...search, runs: 8, preset: 'consumer-protocol' });
    expect(r.found, explain(r)).toBe(false);
  });
});
