import type { Io } from './io.js';
import { wallclockMs } from './wallclock.js';

/**
 * A one-line progress indicator for long searches: redrawn in place on a terminal (at most
 * ten times a second), silent otherwise, so piped and --json output stays clean.
 */
export function progressLine(io: Io, label: string) {
  const start = wallclockMs();
  let last = 0;
  let drawn = false;
  return {
    update(runs: number, total: number, extra = ''): void {
      if (!io.errIsTty) return;
      const now = wallclockMs();
      if (now - last < 100) return;
      last = now;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? runs / secs : 0;
      io.err(`\r${label}: ${runs}/${total} runs, ${rate.toFixed(0)} runs/s, ${secs.toFixed(1)} s${extra}\x1b[K`);
      drawn = true;
    },
    /** The line as the caller words it (a search that does not count runs out of a total). */
    text(line: string): void {
      if (!io.errIsTty) return;
      const now = wallclockMs();
      if (now - last < 100) return;
      last = now;
      io.err(`\r${label}: ${line}, ${((now - start) / 1000).toFixed(1)} s\x1b[K`);
      drawn = true;
    },
    /** Milliseconds since the start. */
    elapsed(): number {
      return wallclockMs() - start;
    },
    done(): number {
      if (drawn) io.err('\r\x1b[K');
      return wallclockMs() - start;
    },
  };
}
