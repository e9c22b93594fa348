import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { controllerImage } from '../../src/machines/controller-view.js';
import type { QuorumControllerContext } from '../../src/machines/quorum-controller.js';
import { controllerNode, divergence, endOffsetForEpoch, imageAt, logUpToDate, majorityHighWatermark, type MetadataImage, type MetadataLogEntry } from '../../src/machines/raft-protocol.js';
import type { Fault } from '../../src/sim/faults.js';

const image = (n: number): MetadataImage => ({ brokers: [], partitions: [], nextBrokerEpoch: n });
const entry = (epoch: number, n?: number): MetadataLogEntry => ({ epoch, record: n === undefined ? { type: 'LeaderChange', leaderId: 1 } : { type: 'Metadata', cause: 'test', image: image(n) } });

describe('the metadata log (KIP-595)', () => {
  // Epoch 1 at offsets 0-2, epoch 3 at 3-4.
  const log = [entry(1), entry(1, 1), entry(1, 2), entry(3), entry(3, 3)];

  it('a vote goes to a log at least as up to date: a later last epoch, or as long in the same one', () => {
    expect(logUpToDate({ lastEpoch: 3, lastEndOffset: 5 }, log)).toBe(true);
    expect(logUpToDate({ lastEpoch: 3, lastEndOffset: 4 }, log)).toBe(false);
    expect(logUpToDate({ lastEpoch: 4, lastEndOffset: 1 }, log)).toBe(true);
    expect(logUpToDate({ lastEpoch: 2, lastEndOffset: 9 }, log)).toBe(false);
  });

  it('an epoch ends where the next one starts; an epoch the log lacks answers for the one before it', () => {
    expect(endOffsetForEpoch(log, 1)).toEqual({ epoch: 1, endOffset: 3 });
    expect(endOffsetForEpoch(log, 2)).toEqual({ epoch: 1, endOffset: 3 });
    expect(endOffsetForEpoch(log, 3)).toEqual({ epoch: 3, endOffset: 5 });
    expect(endOffsetForEpoch(log, 0)).toEqual({ epoch: 0, endOffset: 0 });
  });

  it('a fetch diverges when its last epoch does not reach its offset in the leader log', () => {
    expect(divergence(log, 3, 1)).toBeUndefined();
    expect(divergence(log, 5, 3)).toBeUndefined();
    expect(divergence(log, 0, 0)).toBeUndefined();
    // A follower that wrote offsets 3-4 in epoch 2 (a leader whose records never committed).
    expect(divergence(log, 5, 2)).toEqual({ epoch: 1, endOffset: 3 });
    // A follower with more of epoch 1 than the leader kept.
    expect(divergence(log, 4, 1)).toEqual({ epoch: 1, endOffset: 3 });
  });

  it('the high watermark is what a majority holds, once it covers an entry of the leader epoch', () => {
    expect(majorityHighWatermark([5, 3, 1], 2, 0)).toBe(3);
    expect(majorityHighWatermark([5, 5, 1], 2, 3)).toBe(5);
    // The majority holds only older epochs' entries: nothing is committed by counting them.
    expect(majorityHighWatermark([5, 2, 1], 2, 0)).toBe(0);
    expect(majorityHighWatermark([4], 3, 0)).toBe(4);
  });

  it('the image below an offset is the last metadata record before it', () => {
    expect(imageAt(log, 5, image(0)).nextBrokerEpoch).toBe(3);
    expect(imageAt(log, 3, image(0)).nextBrokerEpoch).toBe(2);
    expect(imageAt(log, 1, image(0)).nextBrokerEpoch).toBe(0);
  });
});

function run(kafka: string, faults: Fault[], durationMs = 1000, overrides: Record<string, unknown> = {}) {
  const scenario = parseScenario({
    seed: 1,
    durationMs,
    config: { kafka, preset: 'default', overrides },
    workload: { kind: 'produce', producers: 1, records: 40, intervalMs: 10, keys: 3 },
    faults,
  });
  const { world, summary } = runScenario(scenario, 'full');
  const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [{ t: e.t, node: e.node, text: e.text }] : []));
  const voter = (i: number) => (world.actor(controllerNode(i))?.getSnapshot() as { context: QuorumControllerContext } | undefined)?.context;
  return { world, summary, notes, voter };
}

describe('the KRaft controller quorum', () => {
  it('elects one leader, which becomes the active controller; brokers register through it and every invariant holds', () => {
    const { summary, notes, voter } = run('4.1', []);
    expect(summary.violation).toBeUndefined();
    const leaders = notes.filter((n) => /is the leader of epoch/.test(n.text));
    expect(leaders).toHaveLength(1);
    const active = notes.filter((n) => /is the active controller/.test(n.text));
    expect(active.map((n) => n.node)).toEqual([leaders[0]!.node]);
    // Every voter holds the same committed log, with the three brokers registered.
    const hws = [1, 2, 3].map((i) => voter(i)!.highWatermark);
    expect(Math.min(...hws)).toBeGreaterThan(3);
    expect(voter(1)!.committed.brokers.filter((b) => b !== undefined)).toHaveLength(3);
    expect(summary.sends.ok).toBe(40);
  });

  it('ZooKeeper-mode releases run the ZooKeeper service and no controller node; KRaft-only releases refuse ZooKeeper mode', () => {
    const { world } = run('2.8', [], 300);
    expect(world.nodeIds()).toContain('zookeeper');
    expect(world.nodeIds()).not.toContain('controller');
    expect(world.nodeIds()).not.toContain('controller1');
    expect(run('2.8', [], 300, { controlPlane: 'kraft' }).world.nodeIds()).toContain('controller3');
    expect(() => run('4.0', [], 300, { controlPlane: 'zookeeper' })).toThrow(/controlPlane: Kafka 4.0 has no ZooKeeper mode/);
    expect(() => run('2.7', [], 300, { controlPlane: 'kraft' })).toThrow(/controlPlane: Kafka 2.7 has no kraft \(it came in 2.8\)/);
  });

  it('the active controller crashes: another voter is elected and activated from its committed log, and the brokers find it', () => {
    const first = run('4.1', [], 150).notes.find((n) => /is the active controller/.test(n.text))!.node!;
    const { summary, notes } = run('4.1', [{ at: 200, type: 'crash', node: first }, { at: 600, type: 'restart', node: first }]);
    expect(summary.violation).toBeUndefined();
    const after = notes.filter((n) => n.t > 200 && /is the active controller/.test(n.text));
    expect(after.length).toBeGreaterThan(0);
    expect(after[0]!.node).not.toBe(first);
    // Within a few election rounds (scaled: a fetch timeout of 20 ms, elections of 10-20 ms).
    expect(after[0]!.t - 200).toBeLessThan(150);
    expect(summary.sends.ok).toBe(40);
    // Back, the old leader follows the new one.
    expect(notes.some((n) => n.node === first && n.t >= 600 && /follows leader/.test(n.text))).toBe(true);
  });

  // The leader cut off from the other voters, but not from the brokers (KAFKA-15489).
  const split = (node: string): Fault[] => [
    { at: 200, type: 'partition', from: [node], to: ['controller1', 'controller2', 'controller3'].filter((n) => n !== node) },
    { at: 600, type: 'heal' },
  ];
  const leaderAtStart = (kafka: string) => run(kafka, [], 150).notes.find((n) => /is the active controller/.test(n.text))!.node!;

  it('KAFKA-15489: before check-quorum (3.6) a leader cut off from the quorum stays active beside the new one', () => {
    const { summary } = run('3.6', split(leaderAtStart('3.6')));
    expect(summary.violation?.property).toBe('single-active-controller');
  });

  it('with check-quorum (3.7) it resigns; without Pre-Vote it disrupts the quorum when it is back, with Pre-Vote (4.0) it does not', () => {
    const old = leaderAtStart('3.7');
    const r37 = run('3.7', split(old));
    expect(r37.summary.violation).toBeUndefined();
    expect(r37.notes.some((n) => n.node === old && /resigns as leader of epoch/.test(n.text))).toBe(true);
    // Cut off, it stands for election again and again: back (at 600), its higher epoch makes the
    // leader step down and forces a new election.
    const electedAfterHeal = (notes: { t: number; text: string }[]) => notes.filter((n) => n.t >= 600 && /is the leader of epoch/.test(n.text));
    expect(r37.notes.filter((n) => n.node === old && n.t > 300 && /stands for election/.test(n.text)).length).toBeGreaterThan(3);
    expect(electedAfterHeal(r37.notes).length).toBeGreaterThan(0);
    const old40 = leaderAtStart('4.0');
    const r40 = run('4.0', split(old40));
    expect(r40.summary.violation).toBeUndefined();
    expect(r40.notes.some((n) => n.node === old40 && /resigns as leader/.test(n.text))).toBe(true);
    // Pre-vote: its pre-votes are refused while the others hear from the new leader, so it never
    // bumps the epoch, and back it follows the leader without an election.
    expect(r40.notes.filter((n) => n.node === old40 && /stands for election/.test(n.text) && n.t > 200)).toEqual([]);
    expect(electedAfterHeal(r40.notes)).toEqual([]);
    expect(r40.notes.some((n) => n.node === old40 && n.t >= 600 && /follows leader/.test(n.text))).toBe(true);
  });

  it('records a leader wrote and could not commit are truncated when it follows the new leader', () => {
    // 3.6: the cut-off leader stays active; a broker crash makes it fence the broker, a record
    // that never commits. Back, it finds its log diverged and truncates.
    const old = leaderAtStart('3.6');
    const faults: Fault[] = [...split(old), { at: 250, type: 'crash', node: 'b2' }, { at: 700, type: 'restart', node: 'b2' }];
    const scenario = parseScenario({
      seed: 1,
      durationMs: 1000,
      config: { kafka: '3.6', preset: 'default' },
      properties: ['metadata-log-matching', 'broker-acts-on-committed-metadata', 'leader-epoch-monotonic', 'one-leader-per-epoch'],
      workload: { kind: 'produce', producers: 1, records: 40, intervalMs: 10, keys: 3 },
      faults,
    });
    const { world, summary } = runScenario(scenario, 'full');
    expect(summary.violation).toBeUndefined();
    const notes = world.trace.events().flatMap((e) => (e.e === 'note' ? [{ node: e.node, text: e.text }] : []));
    expect(notes.some((n) => n.node === old && /fenced: no heartbeat/.test(n.text))).toBe(true);
    expect(notes.some((n) => n.node === old && /truncates its metadata log/.test(n.text))).toBe(true);
    // The metadata the brokers act on is the committed one.
    expect(controllerImage(world)!.partitions[0]!.leader).toBeGreaterThan(0);
  });
});
