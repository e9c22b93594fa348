/**
 * serve's group coordinator (src/wire/groups.ts) with groups on different `__consumer_offsets`
 * partitions: a new coordinator of one partition reloads the committed offsets of that
 * partition's groups only (GroupMetadataManager.loadGroupsAndOffsets loads a partition), and the
 * groups on other partitions keep theirs.
 */
import { describe, expect, it } from 'vitest';
import { groupMetadataPartitionFor } from '../../src/machines/coordinator-partition.js';
import { OFFSETS_TOPIC } from '../../src/machines/protocol.js';
import { TXN_TOPIC } from '../../src/machines/txn-protocol.js';
import { GroupCoordinator, type LoggedCommit } from '../../src/wire/groups.js';
import { ServedWorld } from '../../src/wire/live-cluster.js';
import { cli } from '../helpers/cli.js';

const commit = (groupId: string, seq: number, offset: bigint): LoggedCommit => ({ groupId, seq, offsets: [{ topic: 't', partition: 0, offset, leaderEpoch: -1, metadata: null }] });

describe('serve: committed offsets are loaded per __consumer_offsets partition', () => {
  // "a" on partition 0, "b" on partition 1.
  const partitionOf = (groupId: string) => (groupId === 'a' ? 0 : 1);

  it("a new coordinator of one partition reloads its groups from that partition's log and leaves the others'", () => {
    const groups = new GroupCoordinator(() => 0, partitionOf);
    groups.coordinatorIs(0, 'b1/0', () => []);
    groups.coordinatorIs(1, 'b2/0', () => []);
    groups.applyCommit(commit('a', groups.commitSeq(), 5n));
    groups.applyCommit(commit('b', groups.commitSeq(), 7n));
    // Partition 0 moves to b3, whose log kept a's commit at 4 only; the load ignores other partitions' groups.
    groups.coordinatorIs(0, 'b3/1', () => [commit('a', 0, 4n), commit('b', 1, 99n)]);
    expect(groups.committed('a', 't', 0)?.offset).toBe(4n);
    expect(groups.committed('b', 't', 0)?.offset).toBe(7n);
    // The same coordinator again: nothing is reloaded.
    groups.applyCommit(commit('a', groups.commitSeq(), 6n));
    groups.coordinatorIs(0, 'b3/1', () => []);
    expect(groups.committed('a', 't', 0)?.offset).toBe(6n);
  });

  it('with one partition (the default) every group is reloaded together, as before', () => {
    const groups = new GroupCoordinator(() => 0);
    groups.coordinatorIs(0, 'b1/0', () => []);
    groups.applyCommit(commit('a', groups.commitSeq(), 5n));
    groups.applyCommit(commit('b', groups.commitSeq(), 7n));
    groups.coordinatorIs(0, 'b2/1', () => [commit('b', 1, 7n)]);
    expect([groups.committed('a', 't', 0), groups.committed('b', 't', 0)?.offset]).toEqual([undefined, 7n]);
  });
});

describe('serve --offsets-topic-num-partitions / --transaction-state-log-num-partitions', () => {
  it("serves the internal topics with that many partitions, each with a leader, and finds a group's or transactional.id's coordinator by its hash", () => {
    const served = new ServedWorld({ preset: 'default', brokers: 3, seed: 1, topics: [], transactionalIds: ['tx-a'], offsetsTopicNumPartitions: 3, transactionStateLogNumPartitions: 2 }, 'full');
    served.runUntil(500);
    expect(served.config.offsetsTopicNumPartitions).toBe(3);
    for (let p = 0; p < 3; p++) expect(served.leaderOf(OFFSETS_TOPIC, p), `__consumer_offsets-${p}`).toBeGreaterThan(0);
    for (let p = 0; p < 2; p++) expect(served.leaderOf(TXN_TOPIC, p), `__transaction_state-${p}`).toBeGreaterThan(0);
    expect(served.leaderOf(OFFSETS_TOPIC, 3)).toBeUndefined();
    // Utils.abs("a".hashCode()) % 3 = 97 % 3 = 1; "b" is 98 % 3 = 2.
    expect([groupMetadataPartitionFor(served.config, 'a'), groupMetadataPartitionFor(served.config, 'b')]).toEqual([1, 2]);
  });

  it('bad counts are refused on the command line: one line, exit 2', async () => {
    for (const [flag, value] of [['--offsets-topic-num-partitions', '0'], ['--transaction-state-log-num-partitions', '51']] as const) {
      const r = await cli('serve', '--port', '0', '--duration', '0.1', '--control', 'none', flag, value);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(`kafka-model: ${flag} must be an integer from 1 to 50, got "${value}"`);
    }
  });
});
