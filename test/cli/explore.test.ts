import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-explore-'));

describe('kafka-model explore and replay', () => {
  it('finds a violation on an unsafe preset, prints the story and the replay command, exits 1; replay reproduces it', async () => {
    const out = join(tmp, 'acks1.json');
    // Seed 7 finds it in run 26 (seed 1, the default, in run 129).
    const r = await cli('explore', '--property', 'no-acked-loss', '--config', 'acks1', '--faults', 'crash,partition,latency,disconnect', '--runs', '100', '--seed', '1', '--max-shrinks', '40', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no-acked-loss on acks1, Kafka 4\.\d \(fault budget 1\): VIOLATED after \d+ runs? \(found in \d+\.\d s\), shrunk in/);
    expect(r.stdout).toMatch(/^\s+1\. \[t=\d+ ms\]/m);
    expect(r.stdout).toContain(`Replay: kafka-model replay ${out}`);
    const scenario = JSON.parse(readFileSync(out, 'utf8'));
    expect(scenario.expect.violation).toBe('no-acked-loss');

    const replay = await cli('replay', out);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/no-acked-loss broken at \d+ ms/);
    expect(replay.stdout).toContain('reproduced: same violation, same trace hash');
    // The same story, step for step.
    const steps = (s: string) => s.split('\n').filter((l) => /^\s+\d+\. \[t=/.test(l));
    expect(steps(replay.stdout)).toEqual(steps(r.stdout));

    const mermaid = await cli('replay', out, '--diagram', 'mermaid');
    expect(mermaid.stdout).toMatch(/^sequenceDiagram/);
    expect(mermaid.stdout).toMatch(/rect rgb\(255, ?220, ?220\)/);
  });

  it('--json prints the documented fields', async () => {
    const r = await cli('explore', '--property', 'no-acked-loss', '--config', 'default', '--runs', '20', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['property', 'config', 'runs', 'found', 'shrunkSteps', 'foundMs', 'elapsedMs', 'scenario']));
    expect(j).toMatchObject({ property: 'no-acked-loss', config: 'default', runs: 20, found: false, shrunkSteps: null, foundMs: null, scenario: null });
  });

  it('a tampered counterexample is reported as not reproduced (exit 1)', async () => {
    const out = join(tmp, 'acks1b.json');
    await cli('explore', '--property', 'no-acked-loss', '--config', 'acks1', '--faults', 'crash,partition,latency,disconnect', '--runs', '100', '--seed', '1', '--max-shrinks', '40', '--out', out);
    const s = JSON.parse(readFileSync(out, 'utf8'));
    s.expect.traceHash = '0'.repeat(64);
    const bad = join(tmp, 'tampered.json');
    (await import('node:fs')).writeFileSync(bad, JSON.stringify(s));
    const r = await cli('replay', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/NOT REPRODUCED: expected trace hash 0{64}/);
  });

  it.each([
    [['explore', '--property', 'nope'], /--property: unknown property "nope" \(expected all or one of no-acked-loss|replica-consistency/],
    [['explore', '--property', 'no-acked-loss', '--config', 'nope'], /--config: unknown preset "nope"/],
    [['explore', '--property', 'no-acked-loss', '--faults', 'crash,meteor'], /--faults: unknown fault kind "meteor"/],
    [['explore', '--property', 'no-acked-loss', '--runs', 'many'], /runs must be a non-negative integer, got "many"/],
    [['explore', '--property', 'no-acked-loss', '--budget', '9'], /--budget: must be between 0 and 3/],
    [['explore'], /required option '--property <id>' not specified/],
    [['replay', '/no/such.json'], /\/no\/such\.json: cannot read scenario/],
    [['replay', '/dev/null', '--diagram', 'png'], /--diagram: expected mermaid or svg, got "png"/],
  ])('bad input gets one line and exit 2: %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
