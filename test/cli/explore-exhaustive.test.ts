import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exhaustiveSpace } from '../../src/explore/exhaustive/space.js';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-exhaustive-'));
const base = ['explore', '--exhaustive', '--property', 'replica-consistency'];

describe('kafka-model explore --exhaustive', () => {
  it('reports the states, transitions, runs, depth reached and that the bound was exhausted; --json too', async () => {
    const r = await cli(...base, '--config', 'kip101-only', '--depth', '1', '--duration', '50');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^replica-consistency on kip101-only, Kafka 1\.1, 2 brokers, 1 record \(fault budget 1\), exhaustive to depth 1: held; bound exhausted: \d+ distinct states, \d+ transitions, \d+ runs, depth reached 1 \(\d+\.\d s\)\n$/);
    const j = JSON.parse((await cli(...base, '--config', 'kip101-only', '--depth', '1', '--duration', '50', '--json')).stdout);
    expect(j).toMatchObject({ mode: 'exhaustive', property: 'replica-consistency', config: 'kip101-only', kafka: '1.1', brokers: 2, records: 1, budget: 1, depth: 1, depthReached: 1, exhausted: true, found: false, scenario: null });
    expect(j.states).toBeGreaterThan(1);
    expect(j.transitions).toBeGreaterThanOrEqual(j.states);
    // The same numbers as the text report: the exploration is deterministic.
    expect(r.stdout).toContain(`${j.states} distinct states, ${j.transitions} transitions, ${j.runs} runs`);
  });

  it('says when --max-states stopped it before the bound was exhausted', async () => {
    const r = await cli(...base, '--config', 'kip101-only', '--depth', '1', '--duration', '50', '--max-states', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/no violation, but the bound was NOT exhausted \(stopped at --max-states 3\)/);
  });

  it('bad input: one line naming what was wrong, exit 2', async () => {
    for (const [args, msg] of [
      [['--brokers', '5'], /^kafka-model: --brokers: exhaustive exploration runs 2 or 3 brokers, got 5\n$/],
      [['--records', '3'], /^kafka-model: --records: exhaustive exploration sends 1 or 2 records, got 3\n$/],
      [['--faults', 'latency'], /^kafka-model: --faults: with --exhaustive, the fault kinds are crash, isolate \(got "latency"\)\n$/],
      [['--workers', '2'], /^kafka-model: --workers: not with --exhaustive/],
      [['--budget', '3'], /^kafka-model: --budget: must be between 0 and 2/],
      [['--depth', 'x'], /depth must be a non-negative integer/],
      [['--runs', '10'], /^kafka-model: --runs: not with --exhaustive/],
    ] as const) {
      const r = await cli(...base, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a flag of --exhaustive without it is one line, exit 2', async () => {
    const r = await cli('explore', '--property', 'replica-consistency', '--depth', '3');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('kafka-model: --depth: only with --exhaustive\n');
  });

  it('replay follows a scenario\'s choices, and a choice that does not fit the run is one line, exit 2', async () => {
    const s = exhaustiveSpace({ property: 'replica-consistency', preset: 'kip101-only', depth: 0, durationMs: 200 });
    const ok = join(tmp, 'choices.json');
    writeFileSync(ok, JSON.stringify({ ...s.base, choices: [{ step: 40, faults: [{ at: 0, type: 'crash', node: 'b1', kind: 'process' }] }] }));
    const r = await cli('replay', ok);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/b1 process crashes/);
    const bad = join(tmp, 'bad-choices.json');
    writeFileSync(bad, JSON.stringify({ ...s.base, choices: [{ step: 3, pick: 9 }] }));
    const b = await cli('replay', bad);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/^kafka-model: choices\[0\]: pick 9 at step 3, but only \d event\(s\) were enabled/);
  });
});
