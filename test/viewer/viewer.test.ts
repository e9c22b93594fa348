import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/cli/commands/run.js';
import { registerView } from '../../src/cli/commands/view.js';
import { captureIo } from '../../src/cli/io.js';
import { viewerData, viewerPage } from '../../src/viewer/index.js';
import { cli } from '../helpers/cli.js';

const file = fileURLToPath(new URL('../../docs/counterexamples/no-data-loss-rf2.json', import.meta.url));
const scenario = loadScenarioFile(file);
const data = viewerData(scenario, 'no-data-loss-rf2.json');

describe('viewer data: each step state read from the replay', () => {
  it('a leader-election step shows the leader its note names, with that epoch, ISR, LEO and HW', () => {
    const elections = data.steps.filter((s) => /^b\d+: t-0 leader in epoch/.test(s.text));
    expect(elections.length).toBeGreaterThan(0);
    for (const s of elections) {
      const m = /^(b\d+): t-0 leader in epoch (\d+), isr \[([\d,]*)\], LEO (\d+), HW (\d+)/.exec(s.text)!;
      const snap = data.snapshots[s.snapshot]!;
      const r = snap.brokers.find((b) => b.node === m[1])!.replicas.find((x) => x.partition === 't-0')!;
      expect(r.role).toMatch(/^Leader/);
      expect(r.leaderEpoch).toBe(Number(m[2]));
      expect(r.isr.join(',')).toBe(m[3]);
      expect(r.leo).toBe(Number(m[4]));
      expect(r.hw).toBe(Number(m[5]));
      expect(r.records.length).toBe(r.leo - r.logStartOffset);
    }
  });

  it('a crash step shows the broker down with its disk, and the state differs from the step before', () => {
    const crashes = data.steps.filter((s) => s.kind === 'fault' && /^b\d+ (crashes|loses power)/.test(s.text));
    expect(crashes.length).toBeGreaterThan(0);
    for (const s of crashes) {
      const node = s.text.split(' ')[0]!;
      const b = data.snapshots[s.snapshot]!.brokers.find((x) => x.node === node)!;
      expect(b.up).toBe(false);
      expect(b.replicas).toEqual([]);
      expect(b.disk.map((d) => d.partition)).toContain('t-0');
      const before = data.steps[s.n - 2];
      if (before) expect(data.snapshots[before.snapshot]!.brokers.find((x) => x.node === node)!.up).toBe(true);
    }
  });

  it('the history grows with the run, and the acknowledged sends are in it at their step', () => {
    const lengths = data.steps.map((s) => data.snapshots[s.snapshot]!.historyLength);
    expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
    const acked = data.steps.find((s) => s.text.startsWith('acknowledged'))!;
    const so = data.history.slice(0, data.snapshots[acked.snapshot]!.historyLength);
    expect(so.some((l) => / ok send /.test(l))).toBe(true);
  });

  it('the last step is the violation, and the diagram has rows for it', () => {
    const last = data.steps[data.steps.length - 1]!;
    expect(last.kind).toBe('violation');
    expect(data.violation?.property).toBe(scenario.expect?.violation);
    expect(data.rowsOfStep[last.n]?.length).toBeGreaterThan(0);
    for (const row of data.rowsOfStep[last.n]!) expect(data.sequenceSvg).toContain(`data-step="${row}"`);
  });

  it('the page is self-contained, and the same replay gives the same bytes', () => {
    const html = viewerPage(data);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<\/script>[\s\S]*<\/script>[\s\S]*<\/script>/); // exactly the data and the script
    expect(viewerPage(viewerData(scenario, 'no-data-loss-rf2.json'))).toBe(html);
  });
});

describe('kafka-model view and replay --html', () => {
  it('view serves the page on loopback and prints its URL, until stopped', async () => {
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const io = captureIo();
    const program = new Command().exitOverride();
    registerView(() => stopped)(program, io, () => {});
    const done = program.parseAsync(['node', 'kafka-model', 'view', file]);
    for (let i = 0; i < 100 && !io.stdout().includes('http'); i++) await new Promise((r) => setImmediate(r));
    const url = io.stdout().trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(url);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('id="viewer-data"');
    stop();
    await done;
    await expect(fetch(url)).rejects.toThrow();
  });

  it('bad input is one line and exit 2', async () => {
    for (const argv of [['view', '/nonexistent.json'], ['view', file, '--port', 'x'], ['replay', file, '--html', `${file}/v.html`]]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^kafka-model: /);
    }
  });
});
