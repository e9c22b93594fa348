import { notModelled } from './common.js';

/**
 * Claims about the consumer-group runtime (group coordinator, consumers, rebalances, committed
 * offsets). They need the consumer-group machines and the group invariants of
 * src/check/groups.ts; until those land each is not-modelled, and switching one on is
 * replacing its entry here with an experiment (a search over the group invariant named in
 * spec/claims.md, as replication.ts does for no-acked-loss).
 */
const needsGroups = notModelled('needs consumer groups (issue 4)');

export const groupExperiments = {
  'group-exclusive-ownership': needsGroups,
  'independent-groups': needsGroups,
  'processed-at-least-once': needsGroups,
  'no-concurrent-processing': needsGroups,
  'rebalance-takeover': needsGroups,
  replay: needsGroups,
  'committed-offset-resume': needsGroups,
  'rolling-restart': needsGroups,
} as const;
