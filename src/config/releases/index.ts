import { InputError } from '../../errors.js';
import { kafka_4_3 } from './kafka-4.3.js';
import type { Release } from './release.js';

import type { Feature } from './release.js';

export type { Change, Feature, Release, ReleaseSettings, Unmodelled } from './release.js';
export { hasFeature } from './release.js';

/** The newest release the model documents: what a scenario without `kafka` runs. */
export const newestRelease: Release = kafka_4_3;

/** Every release, oldest first (each module extends the one before it). */
export const releases: readonly Release[] = (() => {
  const out: Release[] = [];
  for (let r: Release | undefined = newestRelease; r; r = r.previous) out.unshift(r);
  return out;
})();

export const releaseVersions = (): string[] => releases.map((r) => r.version);

/** The release named `version`, or a one-line error naming the known ones. */
export function releaseNamed(version: string, where = '--kafka'): Release {
  const r = releases.find((x) => x.version === version);
  if (!r) throw new InputError(`${where}: unknown Kafka release "${version}" (expected one of ${releaseVersions().join(', ')})`);
  return r;
}

/** The first release to have `feature`. */
export function releaseIntroducing(feature: Feature): Release | undefined {
  return releases.find((r) => r.introduces.includes(feature));
}
