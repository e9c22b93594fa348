import { setup } from 'xstate';
import type { ClusterConfig } from '../config/schema.js';
import { react, type Outbox } from './effects.js';
import type { CreatePartitions, CreatePartitionsResponse } from './protocol.js';

/**
 * An admin client (Kafka's Admin.createPartitions) running a schedule of topic changes: at each
 * operation's time it sends CreatePartitions to a controller; a NOT_CONTROLLER answer names the
 * active controller, or the next one is tried (KRaft: the request reaches the active
 * controller, KIP-590's forwarding stands in for the broker hop), after retry.backoff.ms; an
 * unanswered request is sent again after request.timeout.ms. Any other answer ends the
 * operation, noted in the trace.
 */
export interface AdminOp {
  readonly at: number;
  readonly totalCount: number;
}

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

type AdminEvent = (CreatePartitionsResponse & { from: string }) | { type: 'net.disconnected'; peer: string };

function send(c: AdminContext, out: Outbox): Partial<AdminContext> {
  const op = c.ops[c.next]!;
  const requestId = c.requestId + 1;
  out.send(c.controllers[c.target % c.controllers.length]!, { type: 'CreatePartitions', requestId, totalCount: op.totalCount } satisfies CreatePartitions);
  return { requestId };
}

function onResponse(c: AdminContext, e: CreatePartitionsResponse, out: Outbox): Partial<AdminContext> {
  if (e.error === 'NOT_CONTROLLER') {
    const hinted = e.leaderHint === undefined ? -1 : c.controllers.indexOf(e.leaderHint);
    return { target: hinted >= 0 ? hinted : c.target + 1 };
  }
  const op = c.ops[c.next]!;
  out.note(`CreatePartitions to ${op.totalCount} ${e.error ? `refused: ${e.error}` : 'done'}`);
  return { next: c.next + 1 };
}

export const adminMachine = setup({
  types: {} as { context: AdminContext; input: AdminInput; events: AdminEvent },
  delays: {
    untilNext: ({ context }) => Math.max(0, (context.ops[context.next]?.at ?? 0) - context.now()),
    backoff: ({ context }) => context.config.retryBackoffMs,
    requestTimeout: ({ context }) => context.config.requestTimeoutMs,
  },
  guards: {
    current: ({ context, event }) => event.type === 'CreatePartitionsResponse' && event.requestId === context.requestId,
    retry: ({ context, event }) => event.type === 'CreatePartitionsResponse' && event.requestId === context.requestId && event.error === 'NOT_CONTROLLER',
  },
  actions: {
    send: react<AdminContext, AdminEvent>((c, _e, out) => send(c, out)),
    onResponse: react<AdminContext, CreatePartitionsResponse>((c, e, out) => onResponse(c, e, out)),
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
        CreatePartitionsResponse: [
          { guard: 'retry', target: 'Backoff', actions: 'onResponse' },
          { guard: 'current', target: 'Waiting', actions: 'onResponse' },
        ],
      },
    },
    Backoff: { after: { backoff: 'Requesting' } },
    Done: { type: 'final' },
  },
});
