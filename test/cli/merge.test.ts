import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-merge-'));

/** `explore ... --json` written to a file, as a shard's job would keep it. */
async function shard(name: string, ...argv: string[]): Promise<{ file: string; json: Record<string, unknown>; code: number }> {
  const r = await cli('explore', ...argv, '--json');
  const file = join(tmp, name);
  writeFileSync(file, r.stdout);
  return { file, json: JSON.parse(r.stdout), code: r.code };
}

// Broker faults only: acks=1's loss is found from seed 1 at run 29 (the default search, with the
// controller faults, no longer finds it from seed 7 since latency spikes count until their
// delayed messages arrive). Shrinking capped at 40 attempts (11 steps), as in every shard.
const refuted = ['--property', 'no-acked-loss', '--config', 'acks1', '--faults', 'crash,partition,latency,disconnect', '--runs', '100', '--seed', '1', '--max-shrinks', '40'];
const holding = ['--property', 'no-acked-loss', '--config', 'default', '--runs', '12', '--duration', '600', '--seed', '3'];

describe('kafka-model explore --workers / --shard and merge', () => {
  // One thread against two is test/explore/parallel.test.ts; here the command's own files.
  it('refuted: --shard 1/2 + 2/2 merged give the verdict and scenario of the whole search on --workers 2', async () => {
    const one = await shard('r-w2.json', ...refuted, '--workers', '2');
    expect(one.code).toBe(1);
    const verdict = (j: Record<string, unknown>) => ({ found: j.found, runs: j.runs, seed: j.seed, runIndex: j.runIndex, scenario: j.scenario, story: j.story });
    expect(one.json).toMatchObject({ found: true, seed: 1, shard: null, workers: 2, runIndex: 29, runs: 30 });

    const s1 = await shard('r-1.json', ...refuted, '--shard', '1/2');
    const s2 = await shard('r-2.json', ...refuted, '--shard', '2/2', '--workers', '2');
    expect([s1.json.shard, s2.json.shard]).toEqual(['1/2', '2/2']);
    const out = join(tmp, 'merged.json');
    const m = await cli('merge', s2.file, s1.file, '--json', '--out', out);
    expect(m.code).toBe(1);
    const merged = JSON.parse(m.stdout);
    expect(verdict(merged)).toEqual(verdict(one.json));
    expect(merged).toMatchObject({ shards: 2, explored: (s1.json.runs as number) + (s2.json.runs as number) });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(one.json.scenario);
    const replay = await cli('replay', out);
    expect(replay.stdout).toContain('reproduced: same violation, same trace hash');

    const text = await cli('merge', s1.file, s2.file);
    expect(text.stdout).toMatch(/no-acked-loss on acks1, Kafka 4\.\d \(fault budget 1\), 2 shards merged: VIOLATED after \d+ runs of the whole search/);
    expect(text.stdout).toContain(`Found by run ${one.json.runIndex} of seed 1`);
  });

  it('holds: the shards\' runs add up to the whole search, and merge says it held over them', async () => {
    const whole = await shard('h.json', ...holding, '--workers', '2');
    expect(whole.json).toMatchObject({ found: false, runs: 12, runIndex: null });
    const parts = await Promise.all([1, 2, 3].map((k) => shard(`h-${k}.json`, ...holding, '--shard', `${k}/3`, '--workers', '1')));
    expect(parts.map((p) => p.json.runs)).toEqual([4, 4, 4]);
    const m = await cli('merge', ...parts.map((p) => p.file), '--json');
    expect(m.code).toBe(0);
    expect(JSON.parse(m.stdout)).toMatchObject({ found: false, runs: 12, explored: 12, shards: 3, runIndex: null, scenario: null });
    const text = await cli('merge', ...parts.map((p) => p.file));
    expect(text.stdout).toMatch(/, 3 shards merged: held over 12 explored runs/);

    // Shards of different searches, a missing shard, a shard twice: one line, exit 2.
    const other = await shard('h-other.json', ...holding.slice(0, -1), '4', '--shard', '2/3', '--workers', '1');
    const bad: [string[], RegExp][] = [
      [[parts[0]!.file, other.file, parts[2]!.file], /h-other\.json: a shard of another search than .*h-1\.json \(seed 4, not 3\)/],
      [[parts[0]!.file, parts[2]!.file], /merge: shard 2\/3 missing/],
      [[parts[0]!.file, parts[1]!.file, parts[1]!.file, parts[2]!.file], /merge: shard 2\/3 given twice/],
      [[join(tmp, 'nope.json')], /nope\.json: cannot read the file/],
    ];
    for (const [files, message] of bad) {
      const r = await cli('merge', ...files);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it.each([
    [['explore', '--property', 'no-acked-loss', '--shard', '3/2'], /--shard: K must be between 1 and 2, got "3\/2"/],
    [['explore', '--property', 'no-acked-loss', '--shard', 'half'], /--shard: expected K\/N/],
    [['explore', '--property', 'no-acked-loss', '--workers', '0'], /--workers: must be a whole number of threads, at least 1, got "0"/],
    [['explore', '--property', 'no-acked-loss', '--workers', 'all'], /--workers: must be a whole number of threads, at least 1, got "all"/],
  ])('bad input gets one line and exit 2: %j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('merge rejects a file that is not an explore --json result', async () => {
    const file = join(tmp, 'not-a-shard.json');
    writeFileSync(file, JSON.stringify({ property: 'no-acked-loss' }));
    const r = await cli('merge', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not-a-shard\.json: not an explore --json result: /);
  });
});
