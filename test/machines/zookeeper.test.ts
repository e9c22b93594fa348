import { describe, expect, it } from 'vitest';
import { Outbox } from '../../src/machines/effects.js';
import { emptyStore, expireSessions, handleRequest } from '../../src/machines/zookeeper.js';
import type { ZkOp, ZkResponse, ZkWatchEvent } from '../../src/machines/zk-protocol.js';

/** Send one request from `from` and return the answer and the watch events it fired. */
function call(s: ReturnType<typeof emptyStore>, from: string, sessionId: number, ops: ZkOp[], now = 0, extra: { atomic?: boolean; close?: boolean } = {}) {
  const out = new Outbox();
  handleRequest(s, { type: 'ZkRequest', from, replyTo: 'controller', sessionId, xid: 1, ops, sessionTimeoutMs: 60, ...extra }, now, out);
  const sent = out.effects.filter((e) => e.type === 'net.send') as unknown as { to: string; msg: ZkResponse | ZkWatchEvent }[];
  const response = sent.find((e) => e.msg.type === 'ZkResponse')!.msg as ZkResponse;
  const watches = sent.filter((e) => e.msg.type === 'ZkWatchEvent').map((e) => ({ to: e.to, ...(e.msg as ZkWatchEvent) }));
  return { response, watches };
}

describe('the ZooKeeper service', () => {
  it('gives a broker epoch as the czxid of its registration, and a re-registration a larger one', () => {
    const s = emptyStore();
    const a = call(s, 'b1', 0, [{ op: 'create', path: '/brokers/ids/1', data: 1, ephemeral: true }]).response;
    expect(a.sessionId).toBeGreaterThan(0);
    const first = a.results[0]!.stat!.czxid;
    // The same session resending its create finds its own node: success, same czxid.
    expect(call(s, 'b1', a.sessionId, [{ op: 'create', path: '/brokers/ids/1', data: 1, ephemeral: true }]).response.results[0]!.stat!.czxid).toBe(first);
    // Another session cannot take the id while the first lives.
    const b = call(s, 'b1', 0, [{ op: 'create', path: '/brokers/ids/1', data: 1, ephemeral: true }]).response;
    expect(b.results[0]!.error).toBe('NODE_EXISTS');
    call(s, 'b1', a.sessionId, [], 10, { close: true });
    const again = call(s, 'b1', b.sessionId, [{ op: 'create', path: '/brokers/ids/1', data: 1, ephemeral: true }], 11).response;
    expect(again.results[0]!.stat!.czxid).toBeGreaterThan(first);
  });

  it('expires a session not heard from for its timeout: its ephemeral nodes go and watches fire once', () => {
    const s = emptyStore();
    const owner = call(s, 'b1', 0, [{ op: 'create', path: '/controller', data: 1, ephemeral: true }], 0).response.sessionId;
    const watcher = call(s, 'b2', 0, [{ op: 'exists', path: '/controller', watch: true }, { op: 'getChildren', path: '/brokers/ids', watch: true }], 0).response.sessionId;
    // b2 keeps its session alive; b1 is not heard from.
    call(s, 'b2', watcher, [], 50);
    const out = new Outbox();
    expect(expireSessions(s, 61, out)).toEqual([owner]);
    expect(s.znodes.has('/controller')).toBe(false);
    const fired = out.effects.filter((e) => e.type === 'net.send').map((e) => (e as unknown as { to: string; msg: ZkWatchEvent }).msg);
    expect(fired).toEqual([{ type: 'ZkWatchEvent', actor: 'controller', path: '/controller', event: 'NodeDeleted' }]);
    // One-shot: a second change fires nothing until the watch is set again.
    const next = call(s, 'b2', watcher, [{ op: 'create', path: '/controller', data: 2, ephemeral: true }], 62);
    expect(next.watches).toEqual([]);
    // An expired session's requests fail.
    expect(call(s, 'b1', owner, [{ op: 'getData', path: '/controller' }], 63).response.error).toBe('SESSION_EXPIRED');
  });

  it('writes conditionally on the zkVersion', () => {
    const s = emptyStore(['/brokers', '/brokers/topics', '/brokers/topics/t', '/brokers/topics/t/partitions', '/brokers/topics/t/partitions/0']);
    const id = call(s, 'b1', 0, [{ op: 'create', path: '/brokers/topics/t/partitions/0/state', data: { isr: [1, 2] } }]).response.sessionId;
    expect(call(s, 'b1', id, [{ op: 'setData', path: '/brokers/topics/t/partitions/0/state', data: { isr: [1] }, version: 0 }]).response.results[0]!.stat!.version).toBe(1);
    // A leader with a stale zkVersion is refused and the state stays.
    expect(call(s, 'b1', id, [{ op: 'setData', path: '/brokers/topics/t/partitions/0/state', data: { isr: [1, 2, 3] }, version: 0 }]).response.results[0]!.error).toBe('BAD_VERSION');
    expect(call(s, 'b1', id, [{ op: 'getData', path: '/brokers/topics/t/partitions/0/state' }]).response.results[0]!.data).toEqual({ isr: [1] });
  });

  it('applies a multi all or nothing: a controller that lost the epoch race creates no /controller', () => {
    const s = emptyStore(['/brokers', '/brokers/ids']);
    const a = call(s, 'b1', 0, [{ op: 'create', path: '/controller_epoch', data: 0 }]).response.sessionId;
    call(s, 'b1', a, [{ op: 'setData', path: '/controller_epoch', data: 1, version: 0 }]);
    const r = call(s, 'b2', 0, [{ op: 'create', path: '/controller', data: 2, ephemeral: true }, { op: 'setData', path: '/controller_epoch', data: 1, version: 0 }], 0, { atomic: true }).response;
    expect(r.results[1]!.error).toBe('BAD_VERSION');
    expect(s.znodes.has('/controller')).toBe(false);
  });
});
