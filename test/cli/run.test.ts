import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-run-'));
function scenarioFile(content: unknown): string {
  const p = join(tmp, `s${Math.abs(JSON.stringify(content).length)}-${Object.keys(content as object).join('')}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
}

describe('kafka-model run', () => {
  it('prints a readable summary', async () => {
    const r = await cli('run');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Simulated 2000 ms of virtual time \(Kafka 4\.\d, preset default, seed 1\)/);
    expect(r.stdout).toMatch(/sends\s+40 invoked: 40 ok/);
    expect(r.stdout).toMatch(/invariants\s+all held/);
    expect(r.stdout).toMatch(/trace hash\s+[0-9a-f]{64}/);
  });

  it('--json prints a machine-readable summary', async () => {
    const r = await cli('run', '--seed', '9', '--json');
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ seed: 9, virtualTimeMs: 2000 });
    expect(s.events).toBeGreaterThan(100);
  });

  it('runs a scenario file, faults included', async () => {
    const f = scenarioFile({ seed: 3, durationMs: 500, faults: [{ at: 100, type: 'crash', node: 'b1' }, { at: 200, type: 'restart', node: 'b1' }] });
    const r = await cli('run', '--scenario', f, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ seed: 3, virtualTimeMs: 500, faults: 2 });
  });

  it.each([
    [['run', '--seed', 'abc'], /seed must be a non-negative integer, got "abc"/],
    [['run', '--seed', '-4'], /seed/],
    [['run', '--frobnicate'], /unknown option '--frobnicate'/],
    [['run', '--scenario', '/no/such/file.json'], /\/no\/such\/file\.json: cannot read scenario \(ENOENT\)/],
  ])('bad flags get one clear line and exit code 2: %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  });

  it.each([
    ['{not json', /not valid JSON/],
    [{ seed: 'x' }, /seed: Invalid input: expected number, received string/],
    [{ faults: [{ at: -1, type: 'crash', node: 'b1' }] }, /faults\[0\]\.at: Too small/],
    [{ faults: [{ at: 1, type: 'explode', node: 'b1' }] }, /faults\[0\]\.type: Invalid discriminator value/],
    [{ config: { preset: 'nope' } }, /config\.preset: unknown preset "nope" \(expected one of default, acks1/],
    [{ config: { preset: 'default', overrides: { acks: 2 } } }, /config\.overrides\.acks: /],
    [{ config: { preset: 'default', overrides: { replicationFactor: 5 } } }, /replicationFactor: 5 exceeds the number of brokers \(3\)/],
    [{ config: { preset: 'default', overrides: { bogus: 1 } } }, /config\.overrides\.bogus: unknown setting/],
    [{ faults: [{ at: 1, type: 'crash', node: 'nobody' }] }, /faults\[0\]\.node: unknown node "nobody"/],
    [{ sede: 1 }, /unknown field "sede"/],
  ])('a bad scenario names the field and what was expected: %j', async (content, message) => {
    const r = await cli('run', '--scenario', scenarioFile(content));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
