import { laggingGroupLoss, type ResetLoss } from '../../check/retention.js';
import { runScenario } from '../../cluster/run.js';
import { parseScenario, type ScenarioInput } from '../../cluster/scenario.js';
import type { OffsetReset } from '../../machines/consumer.js';
import type { Experiment, ExperimentContext } from '../types.js';
import { replayFromStart } from './log.js';

/**
 * new-consumers-old-data, in a cluster run: retention deletes while a group lags. The topic
 * keeps 200 ms of records (retention.ms, in 10-record segments, checked every 50 ms); the
 * group's only member stalls for 700 ms (a stop-the-world pause longer than its session), so
 * when it reads again its position is below the log start. The leader answers
 * OFFSET_OUT_OF_RANGE and auto.offset.reset decides where it goes on (Fetcher,
 * SubscriptionState.requestOffsetReset).
 */
export function laggingGroupScenario(ctx: Pick<ExperimentContext, 'config'>, reset: OffsetReset): ScenarioInput {
  return {
    seed: 1,
    durationMs: 2500,
    config: ctx.config('default', { retentionMs: 200, segmentBytes: 10, retentionCheckIntervalMs: 50 }),
    workload: { kind: 'produce', records: 150, intervalMs: 10, groups: [{ consumers: 1, reset, stalls: [{ consumer: 0, at: 300, durationMs: 700 }] }] },
    properties: [],
  };
}

export function laggingGroupLosses(ctx: Pick<ExperimentContext, 'config'>, reset: OffsetReset): ResetLoss[] {
  const input = laggingGroupScenario(ctx, reset);
  const scenario = parseScenario(input);
  const { world } = runScenario(scenario, 'full');
  return laggingGroupLoss(world, scenario.workload.kind === 'produce' ? (scenario.workload.groups ?? []) : [], 0);
}

const describe = (reset: OffsetReset, losses: readonly ResetLoss[]) =>
  losses.length === 0
    ? `auto.offset.reset=${reset}: the lagging group never fell behind the log start`
    : losses
        .map(
          (l) =>
            `auto.offset.reset=${reset}: at ${l.time} ms the group, having read up to offset ${l.from - 1}, reset while the log started at ${l.logStart}, and went on from ${l.to}: ${l.deleted} records deleted before it read them, ${l.skippedRetained} still retained and skipped`,
        )
        .join('; ');

export const retentionLag: Experiment = (ctx) => {
  const offline = replayFromStart(ctx);
  const earliest = laggingGroupLosses(ctx, 'earliest');
  const latest = laggingGroupLosses(ctx, 'latest');
  const evidence = [...offline.evidence, describe('earliest', earliest), describe('latest', latest)];
  const earliestReadsRetained = earliest.length > 0 && earliest.every((l) => l.skippedRetained === 0 && l.to === l.logStart);
  const latestSkips = latest.some((l) => l.skippedRetained > 0);
  if (offline.verdict === 'refuted' || !earliestReadsRetained) return { verdict: 'refuted', conditions: [], evidence };
  return {
    verdict: 'holds-if',
    conditions: [
      'the records are still retained (offset >= log start offset): retention removes the oldest, and a group that lags past them loses them',
      ...(latestSkips ? ['auto.offset.reset=earliest (the default): with latest, a group that falls behind the log start jumps to the log end and skips records still retained'] : []),
    ],
    evidence,
  };
};
