import { FeatureUnavailable, InputError } from '../errors.js';
import { durableDeployment } from './deployment.js';
import { presetNames, presets, type Preset } from './presets.js';
import { hasFeature, newestRelease, releaseIntroducing, releaseNamed, type Feature, type Release } from './releases/index.js';
import { configSchema, scaledTime, timeSettings, type ClusterConfig } from './schema.js';

function presetNamed(preset: string, where: string): Preset {
  const p = presets.find((x) => x.name === preset);
  if (!p) throw new InputError(`${where}.preset: unknown preset "${preset}" (expected one of ${presetNames().join(', ')})`);
  return p;
}

/** The release a configuration is about: the one named, else the preset's own, else the newest. */
export function releaseFor(preset: string, kafka?: string, where = 'config'): Release {
  if (kafka !== undefined) return releaseNamed(kafka, `${where}.kafka`);
  const p = presetNamed(preset, where);
  return p.release ? releaseNamed(p.release, `${where}.preset`) : newestRelease;
}

/** What a configuration turns on, and the feature that needs it. */
const featureUse: readonly { readonly feature: Feature; readonly uses: (c: ClusterConfig) => boolean; readonly setting: string }[] = [
  { feature: 'idempotence', uses: (c) => c.enableIdempotence, setting: 'enableIdempotence' },
  { feature: 'cooperative-rebalancing', uses: (c) => c.rebalanceProtocol === 'cooperative', setting: 'rebalanceProtocol' },
  { feature: 'consumer-group-protocol', uses: (c) => c.groupProtocol === 'consumer', setting: 'groupProtocol' },
  { feature: 'kraft', uses: (c) => c.controlPlane === 'kraft', setting: 'controlPlane' },
];

/** A release that lacks a feature the configuration turns on is a mistake in the input, named. */
export function requireFeature(release: Release, feature: Feature, what: string): void {
  if (hasFeature(release, feature)) return;
  const since = releaseIntroducing(feature);
  throw new FeatureUnavailable(`${what}: Kafka ${release.version} has no ${feature}${since ? ` (it came in ${since.version})` : ''}`);
}

/**
 * The configuration a release, a preset and overrides give, in that order of precedence (the
 * overrides win). Release times are Kafka's; they are scaled unless `timings` is `kafka`. A time
 * in a preset or the overrides is taken as the model runs it. Errors name the bad field.
 */
export function resolveConfig(preset: string, overrides: Record<string, unknown> = {}, where = 'config', kafka?: string): ClusterConfig {
  const p = presetNamed(preset, where);
  const release = releaseFor(preset, kafka, where);
  const timings = overrides['timings'] ?? p.overrides.timings ?? durableDeployment.timings;
  const times: Record<string, unknown> = {};
  if (timings === 'scaled' || timings === 'kafka') for (const t of timeSettings) times[t] = scaledTime(t, release.settings[t], timings);
  const r = configSchema.safeParse({ ...release.settings, ...times, ...durableDeployment, ...p.overrides, ...overrides });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue.path.join('.');
    throw new InputError(`${where}.overrides.${field}: ${issue.code === 'unrecognized_keys' ? 'unknown setting' : issue.message}`);
  }
  const c = r.data;
  // Kafka refuses to start otherwise (KafkaConfig): a held follower fetch must end before the
  // follower gives up on it, and before the follower could be dropped from the ISR for it.
  if (c.replicaFetchWaitMaxMs >= c.requestTimeoutMs || c.replicaFetchWaitMaxMs > c.replicaLagTimeMaxMs) {
    throw new InputError(
      `${where}.overrides.replicaFetchWaitMaxMs: ${c.replicaFetchWaitMaxMs} must be below requestTimeoutMs (${c.requestTimeoutMs}) and at most replicaLagTimeMaxMs (${c.replicaLagTimeMaxMs})`,
    );
  }
  if (c.replicationFactor > c.brokers) {
    throw new InputError(`${where}.overrides.replicationFactor: ${c.replicationFactor} exceeds the number of brokers (${c.brokers})`);
  }
  if (c.eligibleLeaderReplicas && !c.strictMinIsr) {
    throw new InputError(`${where}.overrides.eligibleLeaderReplicas: needs strictMinIsr (KIP-966's replicas are eligible because the HW stops below min.insync.replicas)`);
  }
  for (const f of featureUse) if (f.uses(c)) requireFeature(release, f.feature, `${where}.overrides.${f.setting}`);
  if (c.controlPlane === 'zookeeper' && hasFeature(release, 'kraft-only')) {
    throw new FeatureUnavailable(`${where}.overrides.controlPlane: Kafka ${release.version} has no ZooKeeper mode (removed in 4.0, KIP-833)`);
  }
  return c;
}

/** The default fault budget of design decision 7: RF - min.insync.replicas, at least 0. */
export function defaultBudget(c: ClusterConfig): number {
  return Math.max(0, c.replicationFactor - c.minInsyncReplicas);
}
