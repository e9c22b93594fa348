/**
 * The KIP-848 group coordinator (src/machines/consumer-group-coordinator.ts) at machine level,
 * with a stand-in for its `__consumer_offsets-0` replica that appends and answers each write at
 * once. Timers never fire: the tests move time and send Tick.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/index.js';
import { consumerGroupCoordinatorMachine, type ConsumerGroupCoordinatorContext } from '../../src/machines/consumer-group-coordinator.js';
import { OFFSETS_TOPIC, type ProducedValue, type Record } from '../../src/machines/protocol.js';
import type { Effect } from '../../src/sim/world.js';

const ACTOR = 'group-g0';
type Msg = { type: string; requestId?: number; error?: string; memberEpoch?: number; assignment?: number[]; [k: string]: unknown };

function coordinator(preset = 'consumer-protocol', overrides: { [k: string]: unknown } = {}) {
  const config = resolveConfig(preset, { partitions: 2, ...overrides });
  let now = 0;
  const effects: Effect[] = [];
  const actor = createActor(consumerGroupCoordinatorMachine, {
    input: { config, now: () => now, groupId: 'g0', brokerId: 1, name: ACTOR },
    clock: { setTimeout: () => ({}), clearTimeout: () => undefined },
  });
  actor.on('*', (e) => void effects.push(e as Effect));
  actor.start();
  const log: Record[] = [];
  let requestId = 1;
  /** While set, writes are not answered (not replicated yet) until `release`. */
  let hold = false;
  const held: { requestId: number; records: { key: string; value: ProducedValue }[] }[] = [];
  const send = (e: object, from: string) => actor.send({ ...e, from } as never);
  /** Answer every write (the replica appends it and it is replicated), then return the messages sent. */
  const flush = (): { to: string; msg: Msg }[] => {
    const sent: { to: string; msg: Msg }[] = [];
    for (let round = 0; round < 5; round++) {
      const batch = effects.splice(0);
      if (batch.length === 0) break;
      for (const e of batch) {
        if (e.type === 'net.send') sent.push({ to: e.to, msg: e.msg as Msg });
        if (e.type === 'local.send' && e.msg.type === 'Produce') {
          const p = e.msg as unknown as { requestId: number; records: { key: string; value: ProducedValue }[] };
          if (hold) {
            held.push(p);
            continue;
          }
          const baseOffset = log.length;
          for (const r of p.records) log.push({ offset: log.length, leaderEpoch: 0, timestamp: now, key: r.key, value: r.value, size: 1 });
          send({ type: 'ProduceResponse', actor: ACTOR, requestId: p.requestId, baseOffset }, 'b1');
        }
      }
    }
    return sent;
  };
  const h = {
    log,
    holdWrites: () => void (hold = true),
    /** The held writes are replicated: answer them; returns what was sent then. */
    release: () => {
      hold = false;
      for (const p of held.splice(0)) {
        const baseOffset = log.length;
        for (const r of p.records) log.push({ offset: log.length, leaderEpoch: 0, timestamp: now, key: r.key, value: r.value, size: 1 });
        send({ type: 'ProduceResponse', actor: ACTOR, requestId: p.requestId, baseOffset }, 'b1');
      }
      return flush();
    },
    /** A heartbeat whose answer may be held back: the messages sent at once. */
    heartbeatNoWait: (client: string, memberEpoch: number, owned: number[]) => {
      send({ type: 'ConsumerGroupHeartbeat', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: client, memberEpoch, rebalanceTimeoutMs: 300, subscribedTopicNames: ['t'], ownedPartitions: owned }, client);
      return flush();
    },
    ctx: () => actor.getSnapshot().context as ConsumerGroupCoordinatorContext,
    state: () => JSON.stringify(actor.getSnapshot().value),
    advance: (ms: number) => {
      now += ms;
      send({ type: 'Tick' }, 'b1');
      return flush();
    },
    elect: (records: readonly Record[] = []) => {
      send({ type: 'PartitionChange', actor: ACTOR, state: { topic: OFFSETS_TOPIC, partition: 0, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }, brokerEpoch: 1 }, 'b1');
      const fetch = effects.splice(0).find((e) => e.type === 'local.send' && e.msg.type === 'Fetch') as unknown as { msg: { requestId: number } };
      send({ type: 'FetchResponse', requestId: fetch.msg.requestId, records, highWatermark: records.length, leaderEndOffset: records.length, leaderEpoch: 0 }, 'b1');
      effects.splice(0);
    },
    /** A ConsumerGroupHeartbeat from `client` (member id = client); returns its answer. */
    heartbeat: (client: string, memberEpoch: number, owned: number[], extra: object = {}): Msg => {
      send({ type: 'ConsumerGroupHeartbeat', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: client, memberEpoch, rebalanceTimeoutMs: 300, subscribedTopicNames: ['t'], ownedPartitions: owned, ...extra }, client);
      const r = flush().find((s) => s.to === client && s.msg.type === 'ConsumerGroupHeartbeatResponse');
      if (!r) throw new Error(`no answer to ${client}`);
      return r.msg;
    },
    /** A TxnOffsetCommit of producer id 7 (KIP-447: the member epoch as generation); returns its answer. */
    txnCommit: (client: string, epoch: number, offset: number): Msg => {
      send({ type: 'TxnOffsetCommit', actor: ACTOR, requestId: requestId++, groupId: 'g0', transactionalId: client, producerId: 7, producerEpoch: 0, memberId: client, generationId: epoch, offsets: [{ partition: 0, offset }] }, client);
      return flush().find((s) => s.to === client && s.msg.type === 'TxnOffsetCommitResponse')!.msg;
    },
    /** The transaction coordinator's WriteTxnMarkers for producer id 7; returns its answer. */
    marker: (result: 'COMMIT' | 'ABORT'): Msg => {
      send({ type: 'WriteTxnMarkers', actor: ACTOR, requestId: requestId++, replyTo: 'txn-x', topic: OFFSETS_TOPIC, partition: 0, groupId: 'g0', producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, result }, 'b2');
      return flush().find((s) => s.to === 'b2' && s.msg.type === 'WriteTxnMarkersResponse')!.msg;
    },
    /** Its broker's metadata image names `count` partitions of the data topic (broker-common.ts sends it when the topic grew). */
    image: (count: number) => {
      const partitions = Array.from({ length: count }, (_, p) => ({ partition: p, replicas: [1, 2, 3], isr: [1, 2, 3], leader: 1, leaderEpoch: 0, partitionEpoch: 0 }));
      send({ type: 'MetadataUpdate', actor: ACTOR, partitions }, 'b1');
      return flush();
    },
    offsetFetch: (client: string): Msg => {
      send({ type: 'OffsetFetch', actor: ACTOR, requestId: requestId++, groupId: 'g0', partitions: [0] }, client);
      return flush().find((s) => s.to === client && s.msg.type === 'OffsetFetchResponse')!.msg;
    },
    commit: (client: string, epoch: number, offset: number): Msg => {
      send({ type: 'OffsetCommit', actor: ACTOR, requestId: requestId++, groupId: 'g0', memberId: client, generationId: epoch, offsets: [{ partition: 0, offset }] }, client);
      return flush().find((s) => s.to === client && s.msg.type === 'OffsetCommitResponse')!.msg;
    },
  };
  return h;
}

describe('ConsumerGroupHeartbeat: join, target assignment, incremental reconciliation', () => {
  it('a partition moves to a new member only after its owner acknowledged the revocation', () => {
    const h = coordinator();
    h.elect();
    const a1 = h.heartbeat('a', 0, []);
    expect(a1).toMatchObject({ memberEpoch: 1, assignment: [0, 1] });
    expect(h.state()).toBe('{"Active":"Stable"}');

    // b joins: group epoch 2; the uniform assignor moves one partition from a to b.
    const b1 = h.heartbeat('b', 0, []);
    expect(b1).toMatchObject({ memberEpoch: 2, assignment: [] }); // partition 1 is still a's
    expect(h.state()).toBe('{"Active":"Reconciling"}');
    // a is told to revoke partition 1, in its current epoch.
    const a2 = h.heartbeat('a', 1, [0, 1]);
    expect(a2).toMatchObject({ memberEpoch: 1, assignment: [0] });
    expect(h.ctx().members.get('a')).toMatchObject({ state: 'UNREVOKED_PARTITIONS', pendingRevocation: [1] });
    // b asks again before a acknowledged: still nothing.
    expect(h.heartbeat('b', 2, [])).toMatchObject({ memberEpoch: 2, assignment: [] });
    // a acknowledges (owns [0] now): it moves to epoch 2; then b gets partition 1.
    expect(h.heartbeat('a', 1, [0])).toMatchObject({ memberEpoch: 2, assignment: [0] });
    expect(h.heartbeat('b', 2, [])).toMatchObject({ memberEpoch: 2, assignment: [1] });
    expect(h.state()).toBe('{"Active":"Stable"}');
  });

  it('every change is written to __consumer_offsets before it is answered, and a new coordinator loads it', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1]);
    const written = h.log.filter((r) => r.value.key === 'consumer-group/g0');
    expect(written.length).toBeGreaterThanOrEqual(3);
    const again = coordinator();
    again.elect(h.log);
    expect(again.ctx().generation).toBe(2);
    expect(again.ctx().members.get('a')).toMatchObject({ memberEpoch: 1, state: 'UNREVOKED_PARTITIONS', assignment: [0], pendingRevocation: [1] });
    // The revocation rule survives the failover: b still cannot have partition 1.
    expect(again.heartbeat('b', 2, [])).toMatchObject({ assignment: [] });
  });

  it('a heartbeat that changes nothing still waits for a pending write of the group (no answer reveals an unreplicated state)', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.holdWrites();
    // b joins: a new group epoch, written but not replicated yet.
    expect(h.heartbeatNoWait('b', 0, [])).toEqual([]);
    // b heartbeats again: nothing changes (partition 1 is still a's), yet the answer waits too.
    expect(h.heartbeatNoWait('b', 2, [])).toEqual([]);
    const answers = h.release().filter((s) => s.msg.type === 'ConsumerGroupHeartbeatResponse');
    expect(answers.map((s) => s.to)).toEqual(['b', 'b']);
    expect(answers.every((s) => s.msg.memberEpoch === 2)).toBe(true);
  });
});

describe('member-epoch fencing', () => {
  it('a heartbeat with an epoch the coordinator does not know is FENCED_MEMBER_EPOCH; the previous epoch with a subset is accepted', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    expect(h.heartbeat('a', 7, [])).toMatchObject({ error: 'FENCED_MEMBER_EPOCH' });
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1]);
    h.heartbeat('a', 1, [0]); // a is in epoch 2 now, its answer possibly lost
    expect(h.heartbeat('a', 1, [0])).toMatchObject({ memberEpoch: 2 });
    expect(h.heartbeat('a', 1, [0, 1])).toMatchObject({ error: 'FENCED_MEMBER_EPOCH' });
  });

  it('an OffsetCommit with a stale member epoch is STALE_MEMBER_EPOCH and writes nothing; without fencing it is written', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1]);
    h.heartbeat('a', 1, [0]); // epoch 2
    expect(h.commit('a', 1, 5)).toMatchObject({ error: 'STALE_MEMBER_EPOCH' });
    expect(h.commit('zombie', 1, 5)).toMatchObject({ error: 'UNKNOWN_MEMBER_ID' });
    expect(h.ctx().accepted).toHaveLength(0);
    expect(h.commit('a', 2, 5).error).toBeUndefined();
    expect(h.ctx().offsets.get(0)).toBe(5);

    const open = coordinator('no-member-epoch-fencing');
    open.elect();
    open.heartbeat('a', 0, []);
    open.heartbeat('b', 0, []);
    expect(open.commit('a', 0, 5).error).toBeUndefined();
    expect(open.ctx().accepted[0]).toMatchObject({ generation: 0, groupGeneration: 1, knownMember: true });
  });

  it('a member silent for a session is fenced: removed, a new group epoch, its partitions free at once', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1]);
    h.heartbeat('a', 1, [0]);
    h.heartbeat('b', 2, []); // b owns 1
    const session = h.ctx().config.sessionTimeoutMs;
    h.advance(session / 2);
    h.heartbeat('a', 2, [0]);
    h.advance(session / 2 + 2);
    expect([...h.ctx().members.keys()]).toEqual(['a']);
    expect(h.ctx().generation).toBe(3);
    expect(h.heartbeat('a', 2, [0])).toMatchObject({ memberEpoch: 3, assignment: [0, 1] });
    // The fenced member comes back: unknown, and its commit is refused.
    expect(h.heartbeat('b', 2, [1])).toMatchObject({ error: 'UNKNOWN_MEMBER_ID' });
    expect(h.commit('b', 2, 9)).toMatchObject({ error: 'UNKNOWN_MEMBER_ID' });
  });

  it('a member that does not revoke within its rebalance timeout is fenced', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1]); // told to revoke 1
    for (let t = 0; t < 300; t += 50) {
      h.advance(50);
      h.heartbeat('a', 1, [0, 1]); // keeps heartbeating, never revokes
      h.heartbeat('b', 2, []);
    }
    h.advance(10);
    expect(h.ctx().members.has('a')).toBe(false);
    expect(h.heartbeat('b', 2, [])).toMatchObject({ memberEpoch: 3, assignment: [0, 1] });
  });
});

describe('static membership (KIP-848)', () => {
  it('a static member that leaves with epoch -2 keeps its assignment, and its next instance takes it over without a new group epoch', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, [], { instanceId: 'i-a' });
    h.heartbeat('b', 0, []);
    h.heartbeat('a', 1, [0, 1], { instanceId: 'i-a' });
    h.heartbeat('a', 1, [0], { instanceId: 'i-a' });
    expect(h.heartbeat('a', -2, [], { instanceId: 'i-a' })).toMatchObject({ memberEpoch: -2 });
    const epoch = h.ctx().generation;
    // Another instance id cannot take it; the same one can, with its epoch and assignment.
    expect(h.heartbeat('a2', 0, [], { instanceId: 'i-a' })).toMatchObject({ memberEpoch: 2, assignment: [0] });
    expect(h.ctx().generation).toBe(epoch);
    expect(h.heartbeat('a3', 0, [], { instanceId: 'i-a' })).toMatchObject({ error: 'UNRELEASED_INSTANCE_ID' });
  });
});

describe('TxnOffsetCommit (KIP-98/447 under KIP-848: OffsetMetadataManager.commitTransactionalOffset)', () => {
  it('a stale member epoch is ILLEGAL_GENERATION (not STALE_MEMBER_EPOCH), an unknown member UNKNOWN_MEMBER_ID; without fencing it is written', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.heartbeat('b', 0, []);
    expect(h.heartbeat('a', 1, [0, 1])).toMatchObject({ memberEpoch: 1 });
    expect(h.heartbeat('a', 1, [0])).toMatchObject({ memberEpoch: 2 });
    expect(h.txnCommit('a', 1, 5)).toMatchObject({ error: 'ILLEGAL_GENERATION' });
    expect(h.txnCommit('zombie', 2, 5)).toMatchObject({ error: 'UNKNOWN_MEMBER_ID' });
    expect(h.log.some((r) => r.value.transactional)).toBe(false);
    const open = coordinator('no-member-epoch-fencing');
    open.elect();
    open.heartbeat('a', 0, []);
    expect(open.txnCommit('a', 0, 5).error).toBeUndefined();
  });

  it('the offsets stay pending (OffsetFetch: UNSTABLE_OFFSET_COMMIT) until the COMMIT marker makes them the group\'s; ABORT drops them', () => {
    const h = coordinator();
    h.elect();
    expect(h.heartbeat('a', 0, [])).toMatchObject({ memberEpoch: 1 });
    expect(h.txnCommit('a', 1, 5).error).toBeUndefined();
    expect(h.ctx().offsets.get(0)).toBeUndefined();
    expect(h.offsetFetch('a')).toMatchObject({ error: 'UNSTABLE_OFFSET_COMMIT' });
    expect(h.marker('COMMIT').error).toBeUndefined();
    expect(h.offsetFetch('a')).toMatchObject({ offsets: [{ partition: 0, offset: 5 }] });
    expect(h.txnCommit('a', 1, 9).error).toBeUndefined();
    expect(h.marker('ABORT').error).toBeUndefined();
    expect(h.offsetFetch('a')).toMatchObject({ offsets: [{ partition: 0, offset: 5 }] });
    // A new coordinator replays the transactional records and the markers: the same offsets.
    const again = coordinator();
    again.elect(h.log);
    expect(again.ctx().offsets.get(0)).toBe(5);
    expect(again.ctx().txnOffsets.size).toBe(0);
  });

  it('a commit still waiting for its marker at a failover stays pending in the new coordinator', () => {
    const h = coordinator();
    h.elect();
    h.heartbeat('a', 0, []);
    h.txnCommit('a', 1, 5);
    const again = coordinator();
    again.elect(h.log);
    expect(again.offsetFetch('a')).toMatchObject({ error: 'UNSTABLE_OFFSET_COMMIT' });
    expect(again.marker('COMMIT').error).toBeUndefined();
    expect(again.offsetFetch('a')).toMatchObject({ offsets: [{ partition: 0, offset: 5 }] });
  });
});

describe('the metadata image grows (CreatePartitions; GroupMetadataManager.onNewMetadataImage)', () => {
  it('the next heartbeat finds the subscription metadata changed: a new group epoch and a target over every partition; a new coordinator loads the count', () => {
    const h = coordinator();
    h.elect();
    expect(h.heartbeat('a', 0, [])).toMatchObject({ memberEpoch: 1, assignment: [0, 1] });
    h.image(3);
    expect(h.ctx().generation).toBe(1); // nothing until a heartbeat
    expect(h.heartbeat('a', 1, [0, 1])).toMatchObject({ memberEpoch: 2, assignment: [0, 1, 2] });
    expect(h.ctx()).toMatchObject({ generation: 2, subscribedPartitions: 3 });
    // One bump for a join and a changed image in the same heartbeat.
    h.image(4);
    expect(h.heartbeat('b', 0, [])).toMatchObject({ memberEpoch: 3 });
    expect(h.ctx().subscribedPartitions).toBe(4);
    // The count is stored with the group: a coordinator whose broker knows the same image does not bump again.
    const again = coordinator();
    again.image(4);
    again.elect(h.log);
    expect(again.ctx()).toMatchObject({ generation: 3, subscribedPartitions: 4 });
    again.heartbeat('a', 2, [0, 1]);
    expect(again.ctx().generation).toBe(3);
  });
});
