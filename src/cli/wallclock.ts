import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds, for progress lines and reported elapsed times only. Nothing on the
 * simulation path may read real time (the determinism lint enforces it); this is the one place
 * the CLI does.
 */
export function wallclockMs(): number {
  return performance.now();
}
