import type { Scenario } from '../cluster/scenario.js';
import { enforceBudget, withMinDowntime, type FaultBudget } from '../sim/faults.js';

/**
 * A last pass after fast-check's shrinking, on the scenario itself: drop each fault in turn and
 * keep the scenario without it if the property still breaks (delta debugging, one fault at a
 * time, until no fault can go). fast-check shrinks fault episodes whose times are chained to
 * the episode before, so it cannot drop an early episode without moving every later fault; here
 * times are absolute and nothing else moves. A candidate that leaves the fault budget is not
 * tried; dropping a restart is allowed when the budget still holds (the broker then stays down,
 * a failure Kafka must survive too). Deterministic: faults are tried last to first.
 */
export function minimizeFaults(scenario: Scenario, breaks: (s: Scenario) => boolean, budget: FaultBudget, minDowntimeMs = 0): Scenario {
  let current = fewerRecords(scenario, breaks);
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = current.faults.length - 1; i >= 0; i--) {
      const faults = current.faults.filter((_, j) => j !== i);
      if (enforceBudget(faults, budget).length !== faults.length) continue;
      // Dropping one episode's crash can pair another's crash with a restart sooner than the search allowed.
      if (minDowntimeMs > 0 && withMinDowntime(faults, minDowntimeMs).length !== faults.length) continue;
      const candidate: Scenario = { ...current, faults };
      if (breaks(candidate)) {
        current = candidate;
        changed = true;
      }
    }
  }
  return current;
}

/**
 * A produce workload with fewer records, if one still breaks the property: the smallest of a
 * few counts (1, a quarter, a half, one less) tried smallest first.
 */
function fewerRecords(scenario: Scenario, breaks: (s: Scenario) => boolean): Scenario {
  const w = scenario.workload;
  if (w.kind !== 'produce' || w.records <= 1 || w.groups !== undefined || w.transactional !== undefined) return scenario;
  const counts = [...new Set([1, Math.floor(w.records / 4), Math.floor(w.records / 2), w.records - 1])].filter((n) => n >= 1 && n < w.records).sort((a, b) => a - b);
  for (const records of counts) {
    const candidate: Scenario = { ...scenario, workload: { ...w, records } };
    if (breaks(candidate)) return candidate;
  }
  return scenario;
}
