import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { Outbox, react } from './effects.js';
import type { ZkOp, ZkRequest, ZkResponse, ZkResult, ZkStat, ZkWatchEvent } from './zk-protocol.js';

/**
 * The ZooKeeper ensemble as one always-available service (not a ZAB model): sessions that expire
 * when their client has not been heard from for the session timeout, ephemeral znodes deleted
 * with their session, conditional writes by version (zkVersion), and one-shot watches fired as
 * messages. What ZooKeeper guarantees Kafka, and nothing more: a total order of writes (one zxid
 * counter), and a session's answers and watch events in the order the service sent them (they
 * share the client's one connection, which the model's network keeps in order).
 *
 * ZooKeeper's own code: DataTree (znodes, ephemerals, watches), SessionTrackerImpl (expiry,
 * checked every tickTime), PrepRequestProcessor (version checks, multi).
 */

export interface Znode {
  readonly data: unknown;
  readonly stat: ZkStat;
}

interface Watcher {
  readonly node: string;
  readonly actor: string;
  readonly sessionId: number;
}

interface Session {
  readonly node: string;
  readonly actor: string;
  lastHeard: number;
  readonly timeoutMs: number;
}

/** ZooKeeper's data: plain structures, changed in place by the machine that owns them. */
export interface ZkStore {
  readonly znodes: Map<string, Znode>;
  readonly sessions: Map<number, Session>;
  /** getData / exists watches, by path. */
  readonly dataWatches: Map<string, Watcher[]>;
  /** getChildren watches, by path. */
  readonly childWatches: Map<string, Watcher[]>;
  zxid: number;
  nextSessionId: number;
}

/** The root and the persistent znodes Kafka creates before any broker starts (KafkaZkClient.createTopLevelPaths). */
export function emptyStore(persistent: readonly string[] = ['/brokers', '/brokers/ids', '/brokers/topics']): ZkStore {
  const s: ZkStore = { znodes: new Map(), sessions: new Map(), dataWatches: new Map(), childWatches: new Map(), zxid: 0, nextSessionId: 1 };
  for (const p of ['/', ...persistent]) s.znodes.set(p, { data: null, stat: { czxid: ++s.zxid, version: 0, ephemeralOwner: 0 } });
  return s;
}

const parentOf = (path: string) => path.slice(0, Math.max(1, path.lastIndexOf('/')));

/** The names of a znode's children, in creation order (ZooKeeper does not sort them either). */
export function childrenOf(s: ZkStore, path: string): string[] {
  const prefix = path === '/' ? '/' : `${path}/`;
  const out: string[] = [];
  for (const p of s.znodes.keys()) if (p !== path && p.startsWith(prefix) && !p.slice(prefix.length).includes('/')) out.push(p.slice(prefix.length));
  return out;
}

function addWatch(map: Map<string, Watcher[]>, path: string, w: Watcher): void {
  const list = map.get(path) ?? [];
  if (!list.some((x) => x.node === w.node && x.actor === w.actor && x.sessionId === w.sessionId)) list.push(w);
  map.set(path, list);
}

/** A watch fires once: it is removed as it is delivered (DataTree.triggerWatch). */
function fire(map: Map<string, Watcher[]>, path: string, event: ZkWatchEvent['event'], out: Outbox): void {
  const list = map.get(path);
  if (!list) return;
  map.delete(path);
  for (const w of list) out.send(w.node, { type: 'ZkWatchEvent', actor: w.actor, path, event } satisfies ZkWatchEvent);
}

/** Apply one operation of a session. */
function applyOp(s: ZkStore, op: ZkOp, sessionId: number, who: { node: string; actor: string }, out: Outbox): ZkResult {
  const z = s.znodes.get(op.path);
  const watcher = { ...who, sessionId };
  switch (op.op) {
    case 'create': {
      if (z) {
        // A create resent after its answer was lost finds its own ephemeral node: Kafka's
        // checkedEphemeralCreate takes that as success (KafkaZkClient).
        if (op.ephemeral && z.stat.ephemeralOwner === sessionId) return { stat: z.stat };
        return { error: 'NODE_EXISTS' };
      }
      if (!s.znodes.has(parentOf(op.path))) return { error: 'NO_NODE' };
      const stat: ZkStat = { czxid: ++s.zxid, version: 0, ephemeralOwner: op.ephemeral ? sessionId : 0 };
      s.znodes.set(op.path, { data: op.data, stat });
      fire(s.dataWatches, op.path, 'NodeCreated', out);
      fire(s.childWatches, parentOf(op.path), 'NodeChildrenChanged', out);
      return { stat };
    }
    case 'setData': {
      if (!z) return { error: 'NO_NODE' };
      if (op.version !== -1 && op.version !== z.stat.version) return { error: 'BAD_VERSION' };
      const stat: ZkStat = { ...z.stat, version: z.stat.version + 1 };
      s.zxid++;
      s.znodes.set(op.path, { data: op.data, stat });
      fire(s.dataWatches, op.path, 'NodeDataChanged', out);
      return { stat };
    }
    case 'delete': {
      if (!z) return { error: 'NO_NODE' };
      if (op.version !== -1 && op.version !== z.stat.version) return { error: 'BAD_VERSION' };
      deleteNode(s, op.path, out);
      return {};
    }
    case 'getData':
      if (!z) return { error: 'NO_NODE' };
      if (op.watch) addWatch(s.dataWatches, op.path, watcher);
      return { data: z.data, stat: z.stat };
    case 'exists':
      if (op.watch) addWatch(s.dataWatches, op.path, watcher);
      return z ? { stat: z.stat } : {};
    case 'getChildren':
      if (!z) return { error: 'NO_NODE' };
      if (op.watch) addWatch(s.childWatches, op.path, watcher);
      return { children: childrenOf(s, op.path) };
  }
}

function deleteNode(s: ZkStore, path: string, out: Outbox): void {
  s.zxid++;
  s.znodes.delete(path);
  fire(s.dataWatches, path, 'NodeDeleted', out);
  fire(s.childWatches, path, 'NodeDeleted', out);
  fire(s.childWatches, parentOf(path), 'NodeChildrenChanged', out);
}

/**
 * A session's end (expiry or close): its ephemeral nodes are deleted, which fires the watches
 * on them, and its own watches are dropped (DataTree.killSession).
 */
export function endSession(s: ZkStore, sessionId: number, out: Outbox): void {
  s.sessions.delete(sessionId);
  const owned: string[] = [];
  for (const [p, z] of s.znodes) if (z.stat.ephemeralOwner === sessionId) owned.push(p);
  for (const p of owned) deleteNode(s, p, out);
  for (const map of [s.dataWatches, s.childWatches]) {
    for (const [p, list] of [...map]) {
      const kept = list.filter((w) => w.sessionId !== sessionId);
      if (kept.length === 0) map.delete(p);
      else map.set(p, kept);
    }
  }
}

/** Expire every session not heard from for its timeout (SessionTrackerImpl.run); returns the expired ids. */
export function expireSessions(s: ZkStore, now: number, out: Outbox): number[] {
  const expired: number[] = [];
  for (const [id, x] of s.sessions) if (now - x.lastHeard > x.timeoutMs) expired.push(id);
  for (const id of expired) {
    out.note(`zookeeper: session ${id} of ${s.sessions.get(id)!.node} expired`);
    endSession(s, id, out);
  }
  return expired;
}

/**
 * A client request: a new session (sessionId 0), or operations of a live session, which also
 * count as hearing from it. A multi (`atomic`) is all or nothing: it is tried on a copy first.
 */
export function handleRequest(s: ZkStore, e: ZkRequest & { from: string }, now: number, out: Outbox): void {
  const who = { node: e.from, actor: e.replyTo };
  const answer = (sessionId: number, results: readonly ZkResult[], error?: 'SESSION_EXPIRED') =>
    out.send(e.from, { type: 'ZkResponse', actor: e.replyTo, xid: e.xid, sessionId, results, ...(error ? { error } : {}) } satisfies ZkResponse);
  let sessionId = e.sessionId;
  if (sessionId === 0) {
    sessionId = s.nextSessionId++;
    s.sessions.set(sessionId, { node: e.from, actor: e.replyTo, lastHeard: now, timeoutMs: e.sessionTimeoutMs ?? 6000 });
  }
  const session = s.sessions.get(sessionId);
  if (!session) return answer(sessionId, [], 'SESSION_EXPIRED');
  session.lastHeard = now;
  if (e.atomic) {
    // The trial's zxids, watches and notes are thrown away with it.
    const trial: ZkStore = { ...s, znodes: new Map(s.znodes), dataWatches: new Map(), childWatches: new Map() };
    const tried = e.ops.map((op) => applyOp(trial, op, sessionId, who, new Outbox()));
    if (tried.some((r) => r.error)) return answer(sessionId, tried.map((r) => (r.error ? r : {})));
  }
  const results = e.ops.map((op) => applyOp(s, op, sessionId, who, out));
  if (e.close) endSession(s, sessionId, out);
  answer(sessionId, results);
}

export interface ZookeeperContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly store: ZkStore;
}

/** ZooKeeper's tickTime (2 s by default): how often expired sessions are looked for, scaled like Kafka's times. */
export const zkTickMs = (config: ClusterConfig) => (config.timings === 'kafka' ? 2000 : 20);

export const zookeeperMachine = setup({
  types: {} as {
    context: ZookeeperContext;
    /** `paths`: persistent znodes that exist from the start (the topics, created before the brokers start). */
    input: { config: ClusterConfig; now: () => number; paths?: readonly string[] };
    events: (ZkRequest & { from: string }) | { type: 'net.disconnected'; peer: string } },
  delays: {
    tick: ({ context }) => zkTickMs(context.config),
  },
  actions: {
    handle: react<ZookeeperContext, ZkRequest & { from: string }>((c, e, out) => handleRequest(c.store, e, c.now(), out)),
    expire: react<ZookeeperContext, unknown & { type: string }>((c, _e, out) => void expireSessions(c.store, c.now(), out)),
  },
}).createMachine({
  id: 'zookeeper',
  context: ({ input }) => ({ config: input.config, now: input.now, store: emptyStore(['/brokers', '/brokers/ids', '/brokers/topics', ...(input.paths ?? [])]) }),
  initial: 'Serving',
  states: {
    /** Answering requests; every tick, sessions not heard from for their timeout expire. */
    Serving: {
      after: { tick: { target: 'Serving', reenter: true, actions: 'expire' } },
      on: { ZkRequest: { actions: 'handle' } },
    },
  },
});
