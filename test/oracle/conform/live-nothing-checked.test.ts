import { describe, expect, it } from 'vitest';
import { conform, skipLive } from './support.js';

/** Issue 14: a run with nothing acknowledged is never VALID; it says why, with exit 2. */
describe.skipIf(skipLive)('conform: a run that checked nothing', () => {
  it('an idempotent producer against the mock acknowledges nothing: "nothing checked", exit 2, and why', async () => {
    const r = await conform(['--mock-cluster', '3', '--idempotent', '--duration', '1', '--keys', '1', '--clients', '1', '--crash-interval', '0', '--final-timeout', '1', '--json']);
    expect(r.code, r.stderr).toBe(2);
    const out = JSON.parse(r.stdout) as { verdict: string; nothingChecked?: string };
    expect(out.verdict).toBe('nothing-checked');
    expect(out.nothingChecked).toMatch(/^no send was acknowledged \(\d+ invoked/);
    expect(r.stderr).toMatch(/conform: nothing checked: no send was acknowledged/);
    expect(r.stderr).toMatch(/kafkajs sends InitProducerId to the controller: --idempotent cannot be tested against --mock-cluster/);
  }, 30_000);
});
