import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('kafka-model versions and --kafka', () => {
  it('versions --json lists every release with its changes, each naming its KIP or JIRA', async () => {
    const r = await cli('versions', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { newest: string; releases: { version: string; extends: string | null; changes: { setting: string; ref: string }[] }[] };
    const versions = out.releases.map((x) => x.version);
    for (const v of ['0.10.2', '0.11', '1.1', '2.0', '2.1', '3.6', '3.7', '3.9', '4.0', '4.1']) expect(versions).toContain(v);
    expect(out.newest).toBe(versions[versions.length - 1]);
    expect(out.releases.find((x) => x.version === '3.7')!.changes).toContainEqual(expect.objectContaining({ setting: 'strictMinIsr', ref: 'KAFKA-15583' }));
    expect(out.releases.find((x) => x.version === '4.1')!.changes).toContainEqual(expect.objectContaining({ setting: 'eligibleLeaderReplicas', ref: 'KIP-966' }));
  });

  it('versions reads as release notes', async () => {
    const r = await cli('versions');
    expect(r.stdout).toMatch(/Kafka 2\.0\n  \+ truncation = leader-epoch-kip279\s+KIP-279/);
  });

  it('an unknown release is one line and exit 2, on every command', async () => {
    for (const args of [['explore', '--property', 'no-acked-loss', '--kafka', '9.9'], ['run', '--kafka', '9.9'], ['claims', '--kafka', '9.9']]) {
      const r = await cli(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/--kafka: unknown Kafka release "9\.9" \(expected one of 0\.10\.2,/);
    }
  });

  it('run --kafka names the release it modelled', async () => {
    const r = await cli('run', '--kafka', '2.1', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kafka: '2.1' });
  });
});
