import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { react, type Outbox } from './effects.js';
import type { CreatePartitions, CreatePartitionsResponse, CreateTopics, CreateTopicsResponse, DeleteTopics, DeleteTopicsResponse } from './protocol.js';

/**
 * An admin client (Kafka's Admin.createPartitions, createTopics, deleteTopics) running a schedule
 * of topic changes: at each operation's time it sends its request to a controller; a NOT_CONTROLLER answer names the
 * active controller, or the next one is tried (KRaft: the request reaches the active
 * controller, KIP-590's forwarding stands in for the broker hop), after retry.backoff.ms; an
 * unanswered request is sent again after request.timeout.ms. Any other answer ends the
 * operation, noted in the trace.
 */
export type AdminOp =
  /** CreatePartitions: the data topic grows to `totalCount`. */
  | { readonly at: number; readonly totalCount: number }
  /** CreateTopics (replicationFactor -1: the cluster's default, KIP-464). */
  | { readonly at: number; readonly createTopic: string; readonly partitions: number; readonly replicationFactor: number }
  | { readonly at: number; readonly deleteTopic: string };

export interface AdminContext {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly controllers: readonly string[];
  readonly ops: readonly AdminOp[];
  /** The operation under way or next (an index into `ops`). */
  readonly next: number;
  /** Which controller to ask (an index into `controllers`). */
  readonly target: number;
  readonly requestId: number;
}

export interface AdminInput {
  readonly config: ClusterConfig;
  readonly now: () => number;
  readonly controllers: readonly string[];
  readonly ops: readonly AdminOp[];
}

type AdminResponse = CreatePartitionsResponse | CreateTopicsResponse | DeleteTopicsResponse;
type AdminEvent = (AdminResponse & { from: string }) | { type: 'net.disconnected'; peer: string };

function request(op: AdminOp, requestId: number): CreatePartitions | CreateTopics | DeleteTopics {
  if ('createTopic' in op) return { type: 'CreateTopics', requestId, topic: op.createTopic, partitions: op.partitions, replicationFactor: op.replicationFactor };
  if ('deleteTopic' in op) return { type: 'DeleteTopics', requestId, topic: op.deleteTopic };
  return { type: 'CreatePartitions', requestId, totalCount: op.totalCount };
}

function describe(op: AdminOp): string {
  if ('createTopic' in op) return `CreateTopics ${op.createTopic}`;
  if ('deleteTopic' in op) return `DeleteTopics ${op.deleteTopic}`;
  return `CreatePartitions to ${op.totalCount}`;
}

function send(c: AdminContext, out: Outbox): Partial<AdminContext> {
  const requestId = c.requestId + 1;
  out.send(c.controllers[c.target % c.controllers.length]!, request(c.ops[c.next]!, requestId));
  return { requestId };
}

function onResponse(c: AdminContext, e: AdminResponse, out: Outbox): Partial<AdminContext> {
  if (e.error === 'NOT_CONTROLLER') {
    const hinted = e.leaderHint === undefined ? -1 : c.controllers.indexOf(e.leaderHint);
    return { target: hinted >= 0 ? hinted : c.target + 1 };
  }
  out.note(`${describe(c.ops[c.next]!)} ${e.error ? `refused: ${e.error}` : 'done'}`);
  return { next: c.next + 1 };
}

const isAnswer = (c: AdminContext, e: AdminEvent): e is AdminResponse & { from: string } => e.type !== 'net.disconnected' && e.requestId === c.requestId;

const answered = [
  { guard: 'retry', target: 'Backoff', actions: 'onResponse' },
  { guard: 'current', target: 'Waiting', actions: 'onResponse' },
] as const;

export const adminMachine = setup({
  types: {} as { context: AdminContext; input: AdminInput; events: AdminEvent },
  delays: {
    untilNext: ({ context }) => Math.max(0, (context.ops[context.next]?.at ?? 0) - context.now()),
    backoff: ({ context }) => context.config.retryBackoffMs,
    requestTimeout: ({ context }) => context.config.requestTimeoutMs,
  },
  guards: {
    current: ({ context, event }) => isAnswer(context, event),
    retry: ({ context, event }) => isAnswer(context, event) && event.error === 'NOT_CONTROLLER',
  },
  actions: {
    send: react<AdminContext, AdminEvent>((c, _e, out) => send(c, out)),
    onResponse: react<AdminContext, AdminResponse>((c, e, out) => onResponse(c, e, out)),
    nextController: react<AdminContext, AdminEvent>((c) => ({ target: c.target + 1 })),
  },
}).createMachine({
  id: 'admin',
  context: ({ input }) => ({ config: input.config, now: input.now, controllers: input.controllers, ops: input.ops, next: 0, target: 0, requestId: 0 }),
  initial: 'Waiting',
  states: {
    /** Until the next operation is due. */
    Waiting: {
      always: { guard: ({ context }) => context.next >= context.ops.length, target: 'Done' },
      after: { untilNext: 'Requesting' },
    },
    Requesting: {
      entry: 'send',
      after: { requestTimeout: { target: 'Requesting', reenter: true, actions: 'nextController' } },
      on: {
        CreatePartitionsResponse: answered,
        CreateTopicsResponse: answered,
        DeleteTopicsResponse: answered,
      },
    },
    Backoff: { after: { backoff: 'Requesting' } },
    Done: { type: 'final' },
  },
});
