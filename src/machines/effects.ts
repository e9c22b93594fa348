import type { AnyActorScope } from 'xstate';
import type { Effect, Message } from '../sim/world.js';
import type { HistoryOp } from '../sim/history.js';

/**
 * What a handler wants done, collected while it runs and emitted when it returns: messages,
 * disk writes, trace notes, history entries. The kernel carries them out (design decision 2).
 */
export class Outbox {
  readonly effects: Effect[] = [];

  send<M extends Message>(to: string, msg: M): void {
    this.effects.push({ type: 'net.send', to, msg });
  }
  local<M extends Message>(actor: string, msg: M): void {
    this.effects.push({ type: 'local.send', actor, msg });
  }
  append(file: string, entries: readonly unknown[]): void {
    this.effects.push({ type: 'disk.append', file, entries });
  }
  truncate(file: string, length: number): void {
    this.effects.push({ type: 'disk.truncate', file, length });
  }
  replace(file: string, entries: readonly unknown[]): void {
    this.effects.push({ type: 'disk.replace', file, entries });
  }
  fsync(file: string): void {
    this.effects.push({ type: 'disk.fsync', file });
  }
  fsyncAll(): void {
    this.effects.push({ type: 'disk.fsyncAll' });
  }
  /** The process exits (the end of a clean shutdown). */
  exit(): void {
    this.effects.push({ type: 'node.exit' });
  }
  /** Start a local actor unless it runs (a replica of a partition the broker learns of at run time). */
  ensureActor(actor: string, arg?: unknown): void {
    this.effects.push(arg === undefined ? { type: 'actor.ensure', actor } : { type: 'actor.ensure', actor, arg });
  }
  /** Stop a local actor and delete its directory from the disk (a deleted partition's replica). */
  deleteActor(actor: string): void {
    this.effects.push({ type: 'actor.delete', actor });
  }
  note(text: string, data?: unknown): void {
    this.effects.push(data === undefined ? { type: 'trace.note', text } : { type: 'trace.note', text, data });
  }
  history(op: HistoryOp): void {
    this.effects.push({ type: 'history', op });
  }
}

/**
 * An XState action from a handler `(context, event, out) => contextPatch | void`: the patch is
 * applied, the outbox emitted. Handlers may also update mutable structures held in context
 * (a partition log) in place: those are plain data structures owned by the machine.
 *
 * The patch is applied to the context object in place, not through XState's `assign`. An assign
 * copies the context and, through it, the snapshot (its state value, its tags) on every event;
 * that copying was a sixth of the bytes allocated per simulated event. Nothing keeps an older
 * snapshot to compare with (the logs were never frozen anyway), so a snapshot's context is the
 * machine's current one. The values are the same as assign would give: each action sees the
 * patches of the actions before it. So a machine must build its context in a function of its
 * input (`context: ({ input }) => ({ ... })`): a context given as a plain object would be one
 * object shared, and changed, by every actor of the machine.
 *
 * The action is built as XState builds its own (`assign`, `emit`, `enqueueActions`): `resolve`
 * runs when the transition is resolved, as an enqueueActions callback did, and `execute` emits
 * the effects, deferred to the end of the step and in order, as one `emit` action per effect
 * did. It spares enqueueActions' nine helper closures and an action object per effect, on every
 * event. (XState documents the ActorScope used here, not this shape of action; a change to it
 * would show at once: no effect would be carried out.)
 */
export function react<C extends object, E extends { type: string }>(handler: (context: C, event: E, out: Outbox) => Partial<C> | void): ReactAction {
  const action = (() => undefined) as unknown as ReactAction;
  action.type = 'kafka-model.react';
  action.resolve = (_scope, snapshot, args) => {
    const out = new Outbox();
    const patch = handler(snapshot.context as C, args.event as E, out);
    if (patch) Object.assign(snapshot.context as C, patch);
    return [snapshot, out.effects, undefined];
  };
  action.execute = (scope, effects) => {
    if (effects.length === 0) return;
    scope.defer(() => {
      for (const e of effects) scope.emit(e);
    });
  };
  return action;
}

/** XState's built-in action shape (see `react`). */
export interface ReactAction {
  (): void;
  type: string;
  resolve: (scope: AnyActorScope, snapshot: { context: object }, args: { event: unknown }) => [typeof snapshot, readonly Effect[], undefined];
  execute: (scope: AnyActorScope, effects: readonly Effect[]) => void;
}
