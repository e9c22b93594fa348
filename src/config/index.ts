export { configSchema, effectiveMinIsr, scaledTime, timeSettings, type ClusterConfig, type TimeSetting, type TruncationRule } from './schema.js';
export { presets, presetNames, type Preset } from './presets.js';
export { defaultBudget, releaseFor, requireFeature, resolveConfig } from './resolve.js';
export { durableDeployment } from './deployment.js';
export { newestRelease, releaseNamed, releases, releaseVersions, hasFeature, type Change, type Feature, type Release, type ReleaseSettings, type Unmodelled } from './releases/index.js';
