import { InvalidArgumentError, Option } from 'commander';
import type { Scenario } from '../../cluster/scenario.js';
import { newestRelease, releaseNamed, releaseVersions } from '../../config/index.js';

/** Parse a non-negative safe integer flag value, or say clearly what was expected. */
export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
    }
    return Number(value);
  };
}

export const parseSeed = parseNonNegativeInt('seed');

/** `--kafka VERSION`: checked by the command against the release list (one line, exit 2). */
export function kafkaOption(): Option {
  return new Option('--kafka <version>', `the Kafka release to model: ${releaseVersions().join(', ')} (default: the preset's own, else ${newestRelease.version})`);
}

/** The scenario with its release replaced by `kafka` when one is given (validated here). */
export function onRelease(scenario: Scenario, kafka: string | undefined): Scenario {
  if (kafka === undefined) return scenario;
  releaseNamed(kafka);
  return { ...scenario, config: { ...scenario.config, kafka } };
}
