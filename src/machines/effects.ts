import { enqueueActions } from 'xstate';
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
  note(text: string, data?: unknown): void {
    this.effects.push(data === undefined ? { type: 'trace.note', text } : { type: 'trace.note', text, data });
  }
  history(op: HistoryOp): void {
    this.effects.push({ type: 'history', op });
  }
}

/**
 * An XState action from a handler `(context, event, out) => contextPatch | void`: the patch is
 * assigned, the outbox emitted. Handlers may also update mutable structures held in context
 * (a partition log) in place: those are plain data structures owned by the machine.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function react<C extends object, E extends { type: string }>(handler: (context: C, event: E, out: Outbox) => Partial<C> | void): any {
  return enqueueActions(({ context, event, enqueue }) => {
    const out = new Outbox();
    const patch = handler(context as C, event as E, out);
    // The function form: values of the patch that are functions must not be taken for assigners.
    if (patch) enqueue.assign((() => patch) as never);
    for (const e of out.effects) enqueue.emit(e as never);
  });
}
