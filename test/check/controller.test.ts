import { describe, expect, it } from 'vitest';
import { controlPlaneInvariants, electionBoundMs } from '../../src/check/controller.js';
import { resolveConfig } from '../../src/config/index.js';
import { explore } from '../../src/explore/search.js';
import type { MetadataLogEntry } from '../../src/machines/raft-protocol.js';
import type { World } from '../../src/sim/world.js';

const config = resolveConfig('default', {}, 'config', '4.1');

/** A voter as the properties read it: its state value and the context fields they use. */
interface FakeVoter {
  value: unknown;
  context: { id: number; epoch: number; highWatermark: number; log: MetadataLogEntry[]; image?: { partitions: { partition: number; leaderEpoch: number }[] } };
}

function fakeWorld(voters: (FakeVoter | undefined)[], brokers: { metadata: { partition: number; leaderEpoch: number; partitionEpoch: number; leader: number }[] }[] = [], now = 0): World {
  const refs = new Map<string, { getSnapshot: () => unknown }>();
  voters.forEach((v, i) => v && refs.set(`controller${i + 1}`, { getSnapshot: () => v }));
  brokers.forEach((b, i) => refs.set(`b${i + 1}`, { getSnapshot: () => ({ context: b }) }));
  return { now, actor: (node: string) => refs.get(node) } as unknown as World;
}

const follower = (id: number, epoch: number, log: MetadataLogEntry[], hw: number): FakeVoter => ({ value: { Follower: 'Fetching' }, context: { id, epoch, highWatermark: hw, log } });
const activeLeader = (id: number, epoch: number, log: MetadataLogEntry[], hw: number, partitions: { partition: number; leaderEpoch: number }[] = []): FakeVoter => ({
  value: { Leader: { Controller: 'Active', Announcing: 'Announced', CheckQuorum: 'Watching' } },
  context: { id, epoch, highWatermark: hw, log, image: { partitions } },
});
const invariant = (id: string) => controlPlaneInvariants(config).find((i) => i.id === id)!;
const metadata = (epoch: number, leaderEpoch: number, partitionEpoch = 1): MetadataLogEntry => ({
  epoch,
  record: { type: 'Metadata', cause: 'PartitionChange', image: { brokers: [], partitions: [{ partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch, partitionEpoch, status: 'OnlinePartition' }], nextBrokerEpoch: 4 } },
});
const leaderChange = (epoch: number, leaderId: number): MetadataLogEntry => ({ epoch, record: { type: 'LeaderChange', leaderId } });

describe('control-plane properties', () => {
  it('are checked only in KRaft mode', () => {
    expect(controlPlaneInvariants(resolveConfig('default', {}, 'config', '2.8'))).toEqual([]);
  });

  it('one-leader-per-epoch: two voters leading the same epoch, even at different times, break it', () => {
    const inv = invariant('one-leader-per-epoch');
    expect(inv.check(fakeWorld([activeLeader(1, 3, [], 0), follower(2, 3, [], 0)]))).toBeUndefined();
    expect(inv.check(fakeWorld([follower(1, 3, [], 0), activeLeader(2, 3, [], 0)]))).toMatch(/controllers 1 and 2 were both leader of epoch 3/);
  });

  it('single-active-controller: two active controllers are allowed only within check-quorum timeout', () => {
    const inv = invariant('single-active-controller');
    const both = (now: number) => fakeWorld([activeLeader(1, 1, [], 0), activeLeader(2, 2, [], 0)], [], now);
    expect(inv.check(both(100))).toBeUndefined();
    expect(inv.check(both(100 + Math.floor(config.quorumFetchTimeoutMs * 1.5)))).toBeUndefined();
    expect(inv.check(both(101 + Math.floor(config.quorumFetchTimeoutMs * 1.5)))).toMatch(/controller 1 \(epoch 1\) and controller 2 \(epoch 2\) have both acted as the active controller/);
  });

  it('metadata-log-matching: a voter whose log differs below its high watermark from what was committed breaks it', () => {
    const inv = invariant('metadata-log-matching');
    const committed = [leaderChange(1, 1), metadata(1, 0)];
    expect(inv.check(fakeWorld([activeLeader(1, 1, committed, 2), follower(2, 1, committed.slice(), 2)]))).toBeUndefined();
    // Uncommitted divergence (above the HW) is allowed: truncation repairs it.
    expect(inv.check(fakeWorld([undefined, follower(2, 1, committed.slice(), 2), follower(3, 1, [leaderChange(1, 1), metadata(1, 0), metadata(1, 5)], 2)]))).toBeUndefined();
    expect(inv.check(fakeWorld([undefined, undefined, follower(3, 2, [leaderChange(1, 1), metadata(2, 7)], 2)]))).toMatch(/metadata offset 1: controller 3 has epoch 2 PartitionChange below its high watermark, where epoch 1 PartitionChange was committed/);
  });

  it('leader-epoch-monotonic: committed leader epochs never go back, and a new active controller starts from them', () => {
    const inv = invariant('leader-epoch-monotonic');
    const log = [leaderChange(1, 1), metadata(1, 4)];
    const committedAt4 = fakeWorld([activeLeader(1, 1, log, 2, [{ partition: 0, leaderEpoch: 4 }])]);
    expect(inv.check(committedAt4)).toBeUndefined();
    // A new leader activated with older metadata than was committed.
    expect(inv.check(fakeWorld([undefined, activeLeader(2, 2, [], 0, [{ partition: 0, leaderEpoch: 2 }])]))).toMatch(/active controller 2 \(epoch 2\) has leader epoch 2, below the committed 4/);
  });

  it('broker-acts-on-committed-metadata: a broker holding a partition state no quorum committed breaks it', () => {
    // One set of invariants shares what it learnt of the committed log (metadata-log-matching
    // records it, as the world checks every invariant after every event).
    const set = controlPlaneInvariants(config);
    const learn = set.find((i) => i.id === 'metadata-log-matching')!;
    const acts = set.find((i) => i.id === 'broker-acts-on-committed-metadata')!;
    const voters = [activeLeader(1, 1, [leaderChange(1, 1), metadata(1, 2, 5)], 2)];
    const ok = fakeWorld(voters, [{ metadata: [{ partition: 0, leaderEpoch: 2, partitionEpoch: 5, leader: 1 }] }]);
    learn.check(ok);
    expect(acts.check(ok)).toBeUndefined();
    expect(acts.check(fakeWorld(voters, [{ metadata: [{ partition: 0, leaderEpoch: 2, partitionEpoch: 6, leader: 1 }] }]))).toMatch(/broker 1 acts on t-0 leader 1 in leader epoch 2 \(partition epoch 6\), which no quorum committed/);
  });

  it('controller-elected-after-heal: with the faults long over and no active controller, the run is judged broken', () => {
    const inv = controlPlaneInvariants(config, [{ at: 100, type: 'crash', node: 'controller1' }, { at: 200, type: 'restart', node: 'controller1' }]).find((i) => i.id === 'controller-elected-after-heal')!;
    const none = (now: number) => fakeWorld([follower(1, 1, [], 0), follower(2, 1, [], 0), follower(3, 1, [], 0)], [], now);
    expect(inv.atEnd!(none(200 + electionBoundMs(config) - 1))).toBeUndefined();
    expect(inv.atEnd!(none(200 + electionBoundMs(config)))).toMatch(/no active controller \d+ ms after the last fault was over/);
    expect(inv.atEnd!(fakeWorld([activeLeader(1, 2, [], 0)], [], 10_000))).toBeUndefined();
  });
});

describe('each control-plane property holds on the newest release within its budget, controller faults included (quick samples; explore runs more)', () => {
  it.each(['one-leader-per-epoch', 'single-active-controller', 'metadata-log-matching', 'leader-epoch-monotonic', 'broker-acts-on-committed-metadata', 'controller-elected-after-heal'])('%s', async (property) => {
    const r = await explore({ property, preset: 'default', runs: 40, seed: 7 });
    expect(r.found, r.scenario ? `replay: ${JSON.stringify(r.scenario)}` : '').toBe(false);
  });
});
