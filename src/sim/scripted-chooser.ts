import type { Fault } from './faults.js';
import { ChoiceError, type Chooser } from './world.js';

/**
 * One choice of a scenario's `choices`: at step `step` (events processed before it), run the
 * `pick`-th enabled event instead of the World's own next one, or strike `faults` instead.
 * Steps not listed take the World's own order, so a script lists only where a run deviates.
 */
export type ScriptedChoice = { readonly step: number; readonly pick: number } | { readonly step: number; readonly faults: readonly Fault[] };

/**
 * The chooser that follows a script: how a counterexample of exhaustive exploration replays.
 * A script that does not fit the run (a step the run never stops at, a pick beyond what is
 * enabled) is an error in the file, reported as such, never silently skipped.
 */
export function scriptedChooser(script: readonly ScriptedChoice[]): Chooser {
  let i = 0;
  return {
    choose(_world, point) {
      const c = script[i];
      if (c === undefined || point.step < c.step) return undefined;
      if (point.step > c.step) throw new ChoiceError(`choices[${i}]: step ${c.step} never came: the run asked at step ${point.step} next`);
      i++;
      // Faults due now (or before) strike at once; a later one (a repair) is scheduled.
      if ('faults' in c) return { faults: c.faults };
      if (c.pick >= point.enabled.length) throw new ChoiceError(`choices[${i - 1}]: pick ${c.pick} at step ${c.step}, but only ${point.enabled.length} event(s) were enabled (${point.enabled.map((e) => e.label).join(', ')})`);
      return { pick: c.pick };
    },
  };
}
