import type { Experiment } from '../types.js';
import { idleConsumers, morePartitionsMoreConsumers, noThroughputBeyondPartitions, oneEach, onePartitionOneConsumer, singleConsumerTakesAll } from './assignors.js';
import { notModelled } from './common.js';
import { controlPlaneFailover } from './control-plane.js';
import { atLeastOnceDuplicates, atMostOnceLoss, consumersPull, eventsPushed, exactlyOnce } from './delivery.js';
import { groupExperiments } from './groups.js';
import { consumptionDeletesNothing, neverRemoved, replayFromStart, retentionBySize, retentionByTime } from './log.js';
import { retentionLag } from './retention-lag.js';
import { partitionGrowthOrder, partitionsAtCreation } from './topics.js';
import { commitLogOrder, offsetNeverReused, offsetsPerPartition, orderWithinPartition } from './ordering.js';
import { atLeastOnceByDefault, faultTolerant, leaderFailover, noDataLoss, persistent, replicatedToOtherBrokers } from './replication.js';

/** Every experiment a catalogue entry may name, by name. */
export const experiments: Readonly<Record<string, Experiment>> = {
  'no-acked-loss': noDataLoss,
  'at-least-once-default': atLeastOnceByDefault,
  persistence: persistent,
  'leader-failover': leaderFailover,
  'write-availability': faultTolerant,
  'replicated-everywhere': replicatedToOtherBrokers,
  'readable-send-order': orderWithinPartition,
  'partition-order': commitLogOrder,
  'offsets-per-partition': offsetsPerPartition,
  'offset-unique': offsetNeverReused,
  'second-reader': consumptionDeletesNothing,
  'retention-time': retentionByTime,
  'retention-size': retentionBySize,
  'replay-from-start': replayFromStart,
  'retention-lag': retentionLag,
  'records-never-removed': neverRemoved,
  'at-most-once-loss': atMostOnceLoss,
  'retry-duplicates': atLeastOnceDuplicates,
  'pull-only': consumersPull,
  'push-delivery': eventsPushed,
  'assign-exclusive': onePartitionOneConsumer,
  'assign-idle': idleConsumers,
  'assign-active-bound': noThroughputBeyondPartitions,
  'assign-single-member': singleConsumerTakesAll,
  'assign-one-each': oneEach,
  'assign-monotone': morePartitionsMoreConsumers,
  ...groupExperiments,
  performance: notModelled('performance (throughput, latency, disk and network cost) is outside a model of protocol behaviour: virtual time has no cost model for disks, page cache or sendfile'),
  architecture: notModelled('a statement about system design or deployment (which team creates topics, how services are coupled), not a behaviour of the protocol'),
  'control-plane-failover': controlPlaneFailover,
  'exactly-once': exactlyOnce,
  'topic-admin': partitionsAtCreation,
  'partition-growth-order': partitionGrowthOrder,
};
