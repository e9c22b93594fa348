/**
 * The kernel's virtual clock as XState sees it. XState v5 schedules delayed events (`after`,
 * delayed `raise`) through the actor's `clock` option; this one puts them on the kernel's event
 * queue, so a machine's timers fire at virtual times, in the kernel's deterministic order, and
 * never on a real timer. Chosen over driving machines with pure transitions so that machines
 * keep their `after` transitions, which read like the protocol and show in the state diagrams;
 * its cost is in `npm run bench -- kernel`, whose ping-pong workload is timer-driven.
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
