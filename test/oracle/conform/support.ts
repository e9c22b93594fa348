import { cli } from '../../helpers/cli.js';
import { librdkafkaAvailable } from '../../../src/oracle/conform/index.js';

/**
 * The live tests need librdkafka's mock cluster. Locally they skip (saying so) when the
 * Debian package is missing; in CI (.ci/run installs it) they always run, and fail loudly
 * if it is not there.
 */
export const skipLive = !librdkafkaAvailable() && !process.env.CI;
if (skipLive) {
  console.warn('test/oracle/conform: librdkafka-dev is not installed (apt-get install librdkafka-dev); skipping the live mock-cluster tests');
}

/** Runs `kafka-model conform ...` in process, through the CLI's own entry point. */
export function conform(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli('conform', ...args);
}
