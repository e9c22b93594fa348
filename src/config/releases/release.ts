import type { ClusterConfig, TimeSetting } from '../schema.js';

/**
 * The settings a Kafka release decides: its protocol switches and its default times (in Kafka's
 * own milliseconds). The rest of a configuration (how many brokers, RF, acks, min ISR, fsync)
 * is the deployment the model checks (deployment.ts), the same on every release.
 */
export type ReleaseSettings = Pick<
  ClusterConfig,
  | 'truncation'
  | 'truncateOnFetch'
  | 'fetchEpochFencing'
  | 'consumerEpochValidation'
  | 'brokerEpochFencing'
  | 'isrJoinNeedsEpochStart'
  | 'strictMinIsr'
  | 'eligibleLeaderReplicas'
  | 'leaderRecoveryState'
  | 'controlPlane'
  | 'alterIsr'
  | 'checkQuorum'
  | 'preVote'
  | 'enableIdempotence'
  | 'retries'
  | 'maxInFlightRequestsPerConnection'
  | 'generationFencing'
  | 'staticMemberRejoinStored'
  | 'producerFencing'
  | 'txnEpochBump'
  | 'retentionBytes'
  | 'segmentBytes'
  | 'offsetsTopicSegmentBytes'
  | 'transactionStateLogSegmentBytes'
  | 'cleanerBoundedByHighWatermark'
  | 'offsetsTopicNumPartitions'
  | 'transactionStateLogNumPartitions'
  | TimeSetting
>;

/** One setting a release changed, with the KIP or JIRA that changed it. */
export interface Change<K extends keyof ReleaseSettings = keyof ReleaseSettings> {
  readonly setting: K;
  readonly value: ReleaseSettings[K];
  readonly ref: string;
  readonly summary: string;
}

/** Something a release changed that the model does not represent, said so rather than left out. */
export interface Unmodelled {
  readonly ref: string;
  readonly summary: string;
}

/** What a Kafka release is to the model: what it changed over the release before it. */
export interface Release {
  readonly version: string;
  readonly previous: Release | undefined;
  readonly changes: readonly Change[];
  /** Changes of this release the model has no switch for (see spec/versions.md). */
  readonly unmodelled: readonly Unmodelled[];
  /** Every setting as this release has it: the previous release's, with this one's changes. */
  readonly settings: ReleaseSettings;
  /** Features this release is the first to have (a workload that needs one is refused on earlier releases). */
  readonly introduces: readonly Feature[];
}

/** Features a workload may need, and the KIP that brought each. */
export type Feature =
  | 'idempotence'
  | 'transactions'
  | 'cooperative-rebalancing'
  /** KIP-848's consumer group protocol (group.protocol=consumer), generally available in 4.0. */
  | 'consumer-group-protocol'
  /** KRaft mode (KIP-500, 2.8). */
  | 'kraft'
  /** ZooKeeper mode is gone (KIP-833, 4.0): a feature a release has by losing one. */
  | 'kraft-only';

export function change<K extends keyof ReleaseSettings>(setting: K, value: ReleaseSettings[K], ref: string, summary: string): Change<K> {
  return { setting, value, ref, summary };
}

export function unmodelled(ref: string, summary: string): Unmodelled {
  return { ref, summary };
}

/** The first release: every setting stated. */
export function firstRelease(version: string, settings: ReleaseSettings, unmodelledChanges: readonly Unmodelled[] = []): Release {
  return { version, previous: undefined, changes: [], unmodelled: unmodelledChanges, settings, introduces: [] };
}

/** A release as its changes over the previous one. */
export function nextRelease(
  previous: Release,
  version: string,
  spec: { readonly changes?: readonly Change[]; readonly unmodelled?: readonly Unmodelled[]; readonly introduces?: readonly Feature[] },
): Release {
  const changes = spec.changes ?? [];
  const settings: ReleaseSettings = { ...previous.settings };
  for (const c of changes) (settings as Record<string, unknown>)[c.setting] = c.value;
  return { version, previous, changes, unmodelled: spec.unmodelled ?? [], settings, introduces: spec.introduces ?? [] };
}

/** Does `release` have `feature` (this release or an earlier one introduced it)? */
export function hasFeature(release: Release, feature: Feature): boolean {
  for (let r: Release | undefined = release; r; r = r.previous) if (r.introduces.includes(feature)) return true;
  return false;
}
