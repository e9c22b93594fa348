/**
 * The group coordinator and consumer machines in fixed scenarios: Kafka's legal group state
 * transitions only, coordinator failover reloading committed offsets, static membership
 * (KIP-345), eager against cooperative rebalancing (KIP-429) measured in virtual time, idle
 * consumers, independent groups and replay.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../src/cluster/scenario.js';
import type { ConsumerContext } from '../../src/machines/consumer.js';
import type { CoordinatorContext } from '../../src/machines/group-coordinator.js';
import { ownershipGaps } from '../../src/groups/measure.js';
import type { World } from '../../src/sim/world.js';

function run(input: ScenarioInput) {
  return runScenario(parseScenario(input), 'full');
}

const groupStates = (world: World) =>
  world.trace.events().flatMap((e) => (e.e === 'state' && /\/group-g\d$/.test(e.node) ? [{ node: e.node, from: e.from as string | null, to: e.to as string, t: e.t }] : []));

/**
 * GroupMetadata.validPreviousStates, plus the coordinator's own Unloaded and Loading (a group
 * stored with members is loaded Stable, GroupMetadataManager.readGroupMessageValue).
 */
const legal: Record<string, readonly (string | null)[]> = {
  Unloaded: [null],
  Loading: ['Unloaded', 'Dead', 'Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Loading'],
  Empty: ['Loading', 'PreparingRebalance'],
  PreparingRebalance: ['Empty', 'CompletingRebalance', 'Stable'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance', 'Loading'],
  Dead: ['Loading', 'Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable'],
};

const base = (over: Partial<ScenarioInput> & { groups?: unknown[] } = {}): ScenarioInput => {
  const { groups, ...rest } = over;
  return {
    seed: 2,
    durationMs: 1500,
    config: { preset: 'default', overrides: { partitions: 3 } },
    workload: { kind: 'produce', records: 60, intervalMs: 5, keys: 8, groups: (groups ?? [{ consumers: 2 }]) as never },
    ...rest,
  };
};

function coordinatorOf(world: World): { broker: string; ctx: CoordinatorContext; state: string } | undefined {
  for (const b of ['b1', 'b2', 'b3']) {
    const snap = world.actor(b, 'group-g0')?.getSnapshot() as { value: string; context: CoordinatorContext } | undefined;
    if (snap && ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable'].includes(snap.value)) return { broker: b, ctx: snap.context, state: snap.value };
  }
  return undefined;
}

describe('group coordinator', () => {
  it('takes only Kafka legal group state transitions, through crashes of the coordinator and of consumers', () => {
    const runs = [
      base(),
      base({ faults: [{ at: 300, type: 'crash', node: 'b2' }, { at: 500, type: 'restart', node: 'b2' }] }),
      base({ faults: [{ at: 250, type: 'crash', node: 'g0-c1' }, { at: 400, type: 'restart', node: 'g0-c1' }], groups: [{ consumers: 3, protocol: 'cooperative' }] }),
      base({ groups: [{ consumers: 2, stalls: [{ consumer: 0, at: 300, durationMs: 250 }], closes: [{ consumer: 1, at: 700 }] }] }),
      // The coordinator (b1, the preferred replica of __consumer_offsets-0 when there are three
      // data partitions) is cut off, its partition's leadership moves, and when it is back it
      // unloads the group (Dead).
      base({ faults: [{ at: 300, type: 'partition', from: ['b1'], to: ['b2', 'b3', 'controller1', 'controller2', 'controller3', 'producer0', 'g0-c0', 'g0-c1'] }, { at: 600, type: 'heal' }] }),
    ];
    const seen = new Set<string>();
    for (const input of runs) {
      // Only ownership is checked, so that a run is not cut short by a duplicate processing
      // (processed-at-most-once is refuted on default, spec/consumer-groups.md).
      const { world, summary } = run({ ...input, properties: ['group-exclusive-ownership'] });
      expect(summary.violation?.property).not.toBe('group-exclusive-ownership');
      for (const s of groupStates(world)) {
        // The trace records the state after each event; `always` transitions may pass through one
        // state on the way (Stable -> PreparingRebalance -> Empty when the last member expires).
        const direct = legal[s.to]!.includes(s.from);
        const viaOne = Object.keys(legal).some((x) => legal[x]!.includes(s.from) && legal[s.to]!.includes(x));
        expect(direct || viaOne, `${s.node} ${s.from} -> ${s.to} at ${s.t}`).toBe(true);
        seen.add(`${s.from}->${s.to}`);
      }
    }
    // Every group state is reached.
    for (const to of ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']) expect([...seen].some((x) => x.endsWith(`->${to}`)), to).toBe(true);
  });

  it('moves with the leadership of __consumer_offsets-0 and reloads the committed offsets (COORDINATOR_LOAD_IN_PROGRESS, NOT_COORDINATOR)', () => {
    const { world, summary } = run(base({ properties: ['processed-at-least-once', 'group-exclusive-ownership', 'stale-commit-fenced'], faults: [{ at: 400, type: 'crash', node: 'b1' }, { at: 700, type: 'restart', node: 'b1' }] }));
    expect(summary.violation).toBeUndefined();
    const c = coordinatorOf(world)!;
    expect(c.broker).not.toBe('b1');
    const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [e.text] : []));
    // The new coordinator loaded offsets committed through the old one.
    const loaded = notes.find((t) => t.startsWith('group-g0 loaded') && !t.includes('offsets []'));
    expect(loaded).toBeDefined();
    expect(c.state).toBe('Stable');
    // Consumers resumed from the committed offsets: few records were processed twice.
    let processed = 0;
    for (const n of ['g0-c0', 'g0-c1']) processed += (world.actor(n)!.getSnapshot() as { context: ConsumerContext }).context.processed.length;
    expect(processed).toBeGreaterThanOrEqual(60);
    expect(processed).toBeLessThan(90);
  });

  it('a coordinator failover keeps the group in its generation: the members find the new coordinator and heartbeat it, with no JoinGroup round', () => {
    // b1 coordinates (it leads __consumer_offsets-0) and crashes for good at 400.
    const { world, summary } = run(base({ properties: ['processed-at-least-once', 'group-exclusive-ownership', 'stale-commit-fenced'], faults: [{ at: 400, type: 'crash', node: 'b1' }] }));
    expect(summary.violation).toBeUndefined();
    const c = coordinatorOf(world)!;
    expect([c.broker === 'b1', c.state, c.ctx.generation, c.ctx.members.size]).toEqual([false, 'Stable', 1, 2]);
    const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [{ t: e.t, text: e.text }] : []));
    expect(notes.some((n) => n.t > 400 && /^group-g0 loaded: generation 1, members \[\["g0-c0-/.test(n.text))).toBe(true);
    // Both consumers noticed the coordinator was gone, and neither rejoined: no JoinGroup was sent after the crash.
    expect(notes.filter((n) => n.t >= 400 && / lost its coordinator \(broker 1\)/.test(n.text)).length).toBeGreaterThanOrEqual(2);
    const joins = world.trace.events().filter((e) => (e.e === 'deliver' || e.e === 'drop') && e.sent >= 400 && (e.msg as { type?: string }).type === 'JoinGroup');
    expect(joins).toEqual([]);
    expect(notes.filter((n) => n.t > 400 && /\(re\)joins|^group-g0 (generation|PreparingRebalance)|UNKNOWN_MEMBER_ID/.test(n.text))).toEqual([]);
    for (const n of ['g0-c0', 'g0-c1']) {
      const ctx = (world.actor(n)!.getSnapshot() as { context: ConsumerContext }).context;
      expect([ctx.generation, ctx.coordinator, c.ctx.members.has(ctx.memberId)]).toEqual([1, Number(c.broker.slice(1)), true]);
    }
  });

  it('KIP-345: a static member that restarts within its session keeps its assignment without a rebalance', () => {
    const input = base({ groups: [{ consumers: 2, static: true }], faults: [{ at: 400, type: 'crash', node: 'g0-c0' }, { at: 420, type: 'restart', node: 'g0-c0' }] });
    const { world } = run(input);
    const after = (w: World) => w.trace.events().filter((e) => e.t > 400 && e.e === 'note' && /^group-g0 generation \d+/.test(e.text));
    expect(after(world)).toHaveLength(0);
    expect(world.trace.events().some((e) => e.e === 'note' && /static member .* rejoined as .* fencing/.test(e.text))).toBe(true);
    const dynamic = run(base({ faults: [{ at: 400, type: 'crash', node: 'g0-c0' }, { at: 420, type: 'restart', node: 'g0-c0' }] }));
    expect(after(dynamic.world).length).toBeGreaterThan(0);
  });
});

describe('rebalancing', () => {
  const lateJoiner = (preset: string) =>
    run({
      seed: 1,
      durationMs: 1200,
      config: { preset, overrides: { partitions: 6 } },
      workload: { kind: 'produce', records: 100, intervalMs: 8, keys: 16, groups: [{ consumers: 3, startAtMs: [0, 0, 500] }] },
    });

  it('eager stops every partition during a rebalance; cooperative (KIP-429) only the moved ones', () => {
    const eager = lateJoiner('eager');
    const coop = lateJoiner('cooperative');
    expect(eager.summary.violation).toBeUndefined();
    expect(coop.summary.violation).toBeUndefined();
    const e = ownershipGaps(eager.world.trace.events(), 'g0', eager.world.now);
    const c = ownershipGaps(coop.world.trace.events(), 'g0', coop.world.now);
    expect(e.stopped).toEqual([0, 1, 2, 3, 4, 5]);
    expect(c.stopped.length).toBe(2); // the third member takes two of six partitions
    expect(c.totalMs).toBeLessThan(e.totalMs);
    // Partitions that stayed put never stopped under cooperative.
    for (const p of [0, 1, 2, 3, 4, 5].filter((p) => !c.stopped.includes(p))) expect(c.unownedMs.get(p)).toBe(0);
  });

  it('KAFKA-9823: a commit of the previous generation answered ILLEGAL_GENERATION fails, and the member keeps its membership and partitions', () => {
    // The late joiner starts a rebalance while the others' commits are in flight: those commits
    // carry the old generation and are answered after the members joined the new one.
    const { world, summary } = lateJoiner('cooperative');
    expect(summary.violation).toBeUndefined();
    const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [e.text] : []));
    expect(notes.filter((t) => /commit failed: ILLEGAL_GENERATION/.test(t)).length).toBeGreaterThan(0);
    expect(notes.filter((t) => / lost \[|joined generation -1/.test(t))).toEqual([]);
  });

  it('idle-consumers: with more members than partitions, exactly as many members as partitions own one', () => {
    const { world, summary } = run(base({ config: { preset: 'default', overrides: { partitions: 2 } }, groups: [{ consumers: 4 }] }));
    expect(summary.violation).toBeUndefined();
    const c = coordinatorOf(world)!;
    expect([...c.ctx.members.values()].filter((m) => m.assignment.length > 0)).toHaveLength(2);
    expect(c.ctx.members.size).toBe(4);
  });
});

describe('groups and replay', () => {
  it('independent-groups and replay: two groups each read every record; a group that starts late from earliest replays all of it', () => {
    const { world, summary } = run(
      base({
        properties: ['independent-groups', 'replay', 'processed-at-least-once'],
        groups: [{ consumers: 2 }, { consumers: 1, commit: 'auto', startAtMs: [800] }],
      }),
    );
    expect(summary.violation).toBeUndefined();
    const polls = world.history.filter((o) => o.f === 'poll' && o.type === 'ok' && String(o.process).startsWith('g1-'));
    const offsets = polls.flatMap((o) => Object.values((o.value as [string, Record<string, [number, number][]>][])[0]![1]).flat());
    expect(offsets.length).toBeGreaterThanOrEqual(60);
  });

  it('auto.offset.reset=latest: records produced before the group joined are not owed to it', () => {
    const { world, summary } = run(base({ groups: [{ consumers: 1, reset: 'latest', startAtMs: [300] }] }));
    expect(summary.violation).toBeUndefined();
    const ctx = (world.actor('g0-c0')!.getSnapshot() as { context: ConsumerContext }).context;
    expect(ctx.resets.every((r) => r.offset > 0)).toBe(true);
    expect(ctx.processed.length).toBeLessThan(60);
  });
});

describe('determinism', () => {
  it('a scenario with groups, faults and stalls replays to the same trace hash', () => {
    const input = base({
      groups: [{ consumers: 3, protocol: 'cooperative', stalls: [{ consumer: 1, at: 300, durationMs: 200 }] }, { consumers: 1, commit: 'auto' }],
      faults: [{ at: 400, type: 'crash', node: 'b1' }, { at: 600, type: 'restart', node: 'b1' }],
    });
    const a = run(input).summary.traceHash;
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(run(input).summary.traceHash).toBe(a);
  });
});
