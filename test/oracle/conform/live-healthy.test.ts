import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistoryAsync } from '../../../src/check/history/index.js';
import { parseHistory } from '../../../src/oracle/history/index.js';
import { conform, skipLive } from './support.js';

describe.skipIf(skipLive)('conform against a healthy librdkafka mock cluster', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the workload with crashes and subscribe, checks valid, writes history and report', async () => {
    dir = await mkdtemp(join(tmpdir(), 'conform-healthy-'));
    const r = await conform([
      '--mock-cluster', '3',
      '--duration', '5', '--keys', '3', '--clients', '3',
      '--sub-via', 'subscribe', '--crash-interval', '3',
      '--request-timeout', '1000', '--seed', '7',
      '--out', dir, '--json',
    ]);
    const out = JSON.parse(r.stdout) as {
      verdict: string;
      result: { valid: boolean; 'bad-error-types': string[] };
      stats: { completions: Record<string, Record<string, number>>; finalReadComplete: boolean; recordsPolled: number; brokers: string[] };
    };
    expect(out.result['bad-error-types'], r.stdout).toEqual([]);
    expect(out.verdict).toBe('valid');
    expect(r.code).toBe(0);
    // The run did real work: values were acknowledged and read back, and clients crashed.
    expect(out.stats.completions.send?.ok ?? 0).toBeGreaterThanOrEqual(3);
    expect(out.stats.completions.poll?.ok ?? 0).toBeGreaterThanOrEqual(1);
    expect(out.stats.completions.subscribe?.ok ?? 0).toBeGreaterThanOrEqual(3);
    expect(out.stats.completions.crash?.info ?? 0).toBeGreaterThanOrEqual(3);
    expect(out.stats.finalReadComplete).toBe(true);
    expect(out.stats.recordsPolled).toBeGreaterThanOrEqual(out.stats.completions.send?.ok ?? 0);
    for (const b of out.stats.brokers) expect(b).toMatch(/^127\.0\.0\.1:/);

    // Both history files hold the same ops, and the checker reading the EDN agrees.
    const edn: unknown[] = [];
    for await (const op of parseHistory(join(dir, 'history.edn'))) edn.push(op);
    const jsonl: unknown[] = [];
    for await (const op of parseHistory(join(dir, 'history.jsonl'))) jsonl.push(op);
    expect(edn.length).toBeGreaterThan(10);
    expect(edn).toEqual(jsonl);
    const again = await checkHistoryAsync(parseHistory(join(dir, 'history.edn')), { subVia: ['subscribe'] });
    expect(again.valid).toBe(true);

    const report = await readFile(join(dir, 'report.txt'), 'utf8');
    expect(report).toMatch(/^kafka-model conform: VALID/);
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toMatchObject({ verdict: 'valid' });
  });
});
