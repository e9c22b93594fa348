/**
 * The kernel's virtual clock as XState sees it. XState v5 schedules delayed events (`after`)
 * through the actor's `clock` option; this one puts them on the kernel's event queue, so a
 * machine's timers fire at virtual times, in the kernel's deterministic order, and never on a
 * real timer. (Measured: no slower than pure transitions, and machines keep their `after`s.)
 */
export interface XStateClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface TimerHandle {
  cancelled: boolean;
}

export function virtualClock(schedule: (delayMs: number, fn: () => void) => TimerHandle): XStateClock {
  return {
    setTimeout: (fn, ms) => schedule(Math.max(0, Math.ceil(ms)), fn),
    clearTimeout: (handle) => {
      (handle as TimerHandle).cancelled = true;
    },
  };
}
