import { parseScenario } from '../src/cluster/scenario.js';
import { buildWorld } from '../src/cluster/run.js';
import type { TraceMode } from '../src/sim/trace.js';
import { rawSendRate } from './kernel.js';

/**
 * The replication model at work: the `default` scenario (controller, three brokers, a producer
 * with acks=all) with every invariant checked after every event, as `run` does it (full trace)
 * and as `explore` does it (trace off), against the raw XState send rate measured in the same
 * process.
 */
function measure(trace: TraceMode, virtualMs: number): { eventsPerSec: number; virtualPerWall: number } {
  const scenario = parseScenario({ seed: 3, durationMs: virtualMs, workload: { kind: 'produce', records: Math.floor(virtualMs / 5), intervalMs: 5 } });
  const { world } = buildWorld(scenario, trace);
  world.start();
  const t0 = process.hrtime.bigint();
  world.run({ until: virtualMs });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  return { eventsPerSec: world.eventsProcessed / s, virtualPerWall: virtualMs / 1000 / s };
}

export default async function run(): Promise<void> {
  measure('off', 2_000);
  rawSendRate(200_000);
  const raw = Math.max(...[1, 2, 3].map(() => rawSendRate(500_000)));
  const best = (trace: TraceMode) => [1, 2, 3].map(() => measure(trace, 20_000)).sort((a, b) => b.eventsPerSec - a.eventsPerSec)[0]!;
  const full = best('full');
  const off = best('off');
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log('replication (default preset, 3 brokers, acks=all producer, all invariants after every event)');
  console.log(`  raw XState actor.send          ${fmt(raw)} events/s   (baseline)`);
  console.log(`  default, full trace (run)      ${fmt(full.eventsPerSec)} events/s   ratio ${(full.eventsPerSec / raw).toFixed(3)}   virtual/wall ${fmt(full.virtualPerWall)}x`);
  console.log(`  default, trace off (explore)   ${fmt(off.eventsPerSec)} events/s   ratio ${(off.eventsPerSec / raw).toFixed(3)}   virtual/wall ${fmt(off.virtualPerWall)}x`);
  // The model's clock runs Kafka's timeouts divided by 100 (spec/replication.md), so one model
  // millisecond stands for 100 ms of Kafka time; both readings are printed.
  console.log(`  virtual time in Kafka's own time (model ms x 100): ${fmt(off.virtualPerWall * 100)}x wall (trace off), ${fmt(full.virtualPerWall * 100)}x (full trace)`);
  console.log(
    `  bar: >= 100,000 events/s ${off.eventsPerSec >= 100_000 ? 'met' : 'NOT met'} (trace off), ${full.eventsPerSec >= 100_000 ? 'met' : 'NOT met'} (full trace); ` +
      `virtual time >= 1,000x wall ${off.virtualPerWall >= 1000 ? 'met' : 'NOT met'} in model ms, ${off.virtualPerWall * 100 >= 1000 ? 'met' : 'NOT met'} in Kafka time`,
  );
}
