import type { Experiment } from '../types.js';
import { committedOffsetResume } from './commit-resume.js';
import { describeSearch, exhibit, safetyVerdict } from './common.js';
import { rollingRestart } from './rolling.js';

/**
 * Claims about the consumer-group runtime (group coordinator, consumers, rebalances, committed
 * offsets), checked by searches over the group invariants of src/check/groups.ts.
 */

/**
 * One partition, one consumer: within a generation no partition has two owners (the
 * coordinator's view); in wall-clock time a member paused past its session timeout (a zombie)
 * keeps processing until it hears it was removed, alongside the new owner.
 */
const exclusiveOwnership: Experiment = (ctx) => {
  const owned = ctx.search({ check: 'group-exclusive-ownership', preset: 'default', mode: 'hold' });
  const evidence = [describeSearch(owned, 'two owners in one generation')];
  if (owned.found) {
    const cx = exhibit(owned, 'two members own one partition in one generation');
    return { verdict: 'refuted', conditions: [], evidence, ...(cx ? { counterexample: cx } : {}) };
  }
  const zombie = ctx.search({ check: 'no-concurrent-processing', preset: 'default', mode: 'find' });
  evidence.push(describeSearch(zombie, 'a zombie and the new owner process the same partition at once'));
  if (!zombie.found) return { verdict: 'holds', conditions: [], evidence };
  const cx = exhibit(zombie, 'a consumer paused past its session timeout processes alongside the new owner');
  return {
    verdict: 'holds-if',
    conditions: ['per generation (as the coordinator assigns); in wall-clock time a consumer paused past its session timeout keeps processing until it learns it was removed'],
    evidence,
    ...(cx ? { counterexample: cx } : {}),
  };
};

/** Within one group no record is processed twice: a crash between processing and commit replays it. */
const processedOnce: Experiment = (ctx) => {
  const dup = ctx.search({ check: 'processed-at-most-once', preset: 'default', commit: 'after-process', mode: 'find' });
  const evidence = [describeSearch(dup, 'a record processed twice with commit after processing')];
  const cx = exhibit(dup, 'a consumer crashes after processing, before its commit; the next owner processes the record again');
  return dup.found ? { verdict: 'refuted', conditions: [], evidence, ...(cx ? { counterexample: cx } : {}) } : { verdict: 'holds', conditions: [], evidence };
};

/** Every record is processed after a member crashes, if offsets are committed after processing. */
const atLeastOnce: Experiment = (ctx) =>
  safetyVerdict(ctx, { check: 'processed-at-least-once', preset: 'default', commit: 'after-process' }, [
    {
      condition: 'offsets are committed after processing (a commit before processing loses the record to a crash in between)',
      without: { check: 'processed-at-least-once', preset: 'default', commit: 'before-process' },
    },
  ]);

export const groupExperiments = {
  'group-exclusive-ownership': exclusiveOwnership,
  'independent-groups': (ctx) => safetyVerdict(ctx, { check: 'independent-groups', preset: 'default' }, []),
  'processed-at-least-once': atLeastOnce,
  'no-concurrent-processing': processedOnce,
  'rebalance-takeover': atLeastOnce,
  replay: (ctx) => safetyVerdict(ctx, { check: 'replay', preset: 'default' }, []),
  'committed-offset-resume': committedOffsetResume,
  'rolling-restart': rollingRestart,
} satisfies Record<string, Experiment>;
