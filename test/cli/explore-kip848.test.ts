import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-kip848-'));

describe('kafka-model explore under KIP-848', () => {
  it('no-member-epoch-fencing: stale-commit-fenced is broken, the story and the replay command are printed, exit 1; replay reproduces it', async () => {
    const out = join(tmp, 'no-member-epoch-fencing.json');
    const r = await cli('explore', '--property', 'stale-commit-fenced', '--config', 'no-member-epoch-fencing', '--runs', '50', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/stale-commit-fenced on no-member-epoch-fencing, Kafka 4\.\d \(fault budget 1\): VIOLATED after \d+ runs?/);
    expect(r.stdout).toMatch(/a commit from g\d-c\d@\d+ in member epoch \d+ was accepted while (its member epoch was \d+|it was not a member)/);
    expect(r.stdout).toContain(`Replay: kafka-model replay ${out}`);
    expect(JSON.parse(readFileSync(out, 'utf8')).config.preset).toBe('no-member-epoch-fencing');
    const replay = await cli('replay', out);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('reproduced: same violation, same trace hash');
  });

  it('the consumer group protocol is refused on a release before 4.0, in one line, exit 2', async () => {
    const r = await cli('explore', '--property', 'stale-commit-fenced', '--config', 'consumer-protocol', '--kafka', '3.9', '--runs', '1');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/groupProtocol: Kafka 3\.9 has no consumer-group-protocol \(it came in 4\.0\)/);
  });

  it('serve refuses a KIP-848 configuration (it answers the classic group APIs only), in one line, exit 2', async () => {
    const r = await cli('serve', '--config', 'consumer-protocol', '--port', '0');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/groupProtocol consumer \(KIP-848\) is not served over the wire/);
  });
});
