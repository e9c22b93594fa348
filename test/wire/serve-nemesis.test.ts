import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFile } from '../../src/cli/commands/check.js';
import { serve } from '../../src/wire/server.js';
import { cli } from '../helpers/cli.js';
import { readBack } from '../helpers/read-back.js';
import { startServeCli } from '../helpers/serve-cli.js';

/**
 * `serve --nemesis`: a fault every interval, aimed at the leader the model has at that moment.
 * Issue 14's bar: with `--nemesis crash-leader` on `default`, a kafkajs workload loses no
 * acknowledged record; on `acks1` the recorded history shows lost writes. Both verdicts are the
 * history checker's, on the history the run recorded: how many faults land where depends on
 * wall-clock timing, so the tests assert on the verdict and on the faults the World recorded,
 * never on a count of records.
 */
const dir = mkdtempSync(join(tmpdir(), 'wire-nemesis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Connect a kafkajs client while the nemesis runs: the broker it dials may be crashed or cut off
 * at that moment (kafkajs gives up on a reset connection at once), so try again.
 */
async function connect(client: { connect(): Promise<void> }): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.connect();
    } catch (e) {
      if (attempt >= 30) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const anomalies = (text: string) => Object.keys((JSON.parse(text) as { errors: Record<string, unknown> }).errors);

/**
 * The workload, as Jepsen runs it: several producers (one connection each) sending single-record
 * batches with the preset's acks (a real client's acks is its own: `acks1` is the preset whose
 * producers use acks=1), each one send at a time, for `seconds` while the nemesis strikes; then
 * serve is told to quit over HTTP, and its final report (nemesis stopped and healed first) is
 * returned. Several producers at once are what make acks=1 lose writes to a leader crash: while
 * they send, the leader keeps appending records its followers have not fetched yet and
 * acknowledging them, so a crash at almost any moment takes some acknowledged records with it.
 * One producer's serial sends would each reach a follower's waiting fetch as its acknowledgement
 * reaches the client, and a crash would almost never find one unreplicated.
 */
async function nemesisRun(preset: 'default' | 'acks1', nemesis: string, name: string, seconds: number) {
  const file = join(dir, `${name}.history.jsonl`);
  const recording = join(dir, `${name}.record.jsonl`);
  const s = await startServeCli('--port', '0', '--config', preset, '--control', 'none', '--control-port', '0', '--nemesis', nemesis, '--interval', '500ms', '--history', file, '--record', recording, '--duration', '60');
  const kafka = new Kafka({ clientId: 'nemesis', brokers: s.brokers, logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 300 }, requestTimeout: 3000 });
  // The preset's producer settings: default is Kafka's (enable.idempotence=true, acks=all, since
  // 3.0, KIP-679); acks1 is acks=1 without idempotence. Without idempotence a retried send whose
  // first attempt was appended is a duplicate (at-least-once), which is not what this bar is about.
  const acks = preset === 'acks1' ? 1 : -1;
  const producers = Array.from({ length: 8 }, () => kafka.producer({ idempotent: preset === 'default', maxInFlightRequests: 1 }));
  for (const p of producers) await connect(p);
  const send = (p: Producer, value: string) => p.send({ topic: 't', acks, timeout: 400, messages: [{ key: 'k', value }] }).catch(() => undefined);
  const until = Date.now() + seconds * 1000;
  await Promise.all(producers.map(async (p, n) => {
    for (let i = 0; Date.now() < until; i++) await send(p, `p${n}-${i}`);
  }));
  // The nemesis stops and its last fault is undone (a restart or a heal); serving goes on.
  const post = async (command: string) => (await (await fetch(`${s.control}/control`, { method: 'POST', body: JSON.stringify({ command }) })).json()) as { ok: boolean; text: string };
  const stopped = await post('nemesis stop');
  await new Promise((r) => setTimeout(r, 1000));
  // A few more sends on the healed cluster (Jepsen's final phase), so that an acknowledged
  // record the faults lost lies below records a reader does get: a lost write, not a tail unseen.
  for (let i = 0; i < 10; i++) await send(producers[0]!, `final-${i}`);
  // A reader then gets what survived; its polls are in the history the checker judges.
  await readBack(kafka, 't');
  for (const p of producers) await p.disconnect();
  const faults = (await (await fetch(`${s.control}/faults`)).json()) as { type: string }[];
  await post('quit');
  const code = await s.done;
  return { code, stdout: s.stdout(), stopped, faults, recording, check: await checkFile(file, { json: true }) };
}

describe('serve --nemesis: issue 14 bar, judged by the checker on the recorded history', () => {
  it('wire-nemesis-durable: --nemesis crash-leader on default, acks=-1: no acknowledged record lost (VALID)', async () => {
    const r = await nemesisRun('default', 'crash-leader', 'default', 4);
    expect(r.faults.filter((f) => f.type === 'crash').length, r.stdout).toBeGreaterThanOrEqual(2);
    // Its last strike is undone (unless that step found t-0 without a leader and struck nothing).
    expect(r.stopped.text).toMatch(/^nemesis stopped; (healed: restarted b\d|nothing left to heal)$/);
    // The final report: nothing was left to heal at shutdown, and the checker's verdict.
    expect(r.stdout).toMatch(/nemesis stopped after \d+ actions; nothing left to heal/);
    expect(r.stdout).toContain('VALID');
    expect(r.stdout).toMatch(/no invariant broken in \d+ ms of serving/);
    expect(r.code, r.stdout).toBe(0);
    expect(anomalies(r.check.text)).toEqual([]);
    expect(r.check.valid).toBe(true);
  }, 60_000);

  it('wire-nemesis-acks1: --nemesis crash-leader on acks1: the recorded history shows lost writes', async () => {
    // A crash loses acknowledged writes only when it strikes while records are unreplicated; each
    // 4 s run has four crashes, and about one run in eight has none that does. So, as a search
    // with a budget: up to three runs, the first whose history shows the loss is judged.
    let r = await nemesisRun('acks1', 'crash-leader', 'acks1-1', 4);
    for (let attempt = 2; attempt <= 3 && !anomalies(r.check.text).includes('lost-write'); attempt++) r = await nemesisRun('acks1', 'crash-leader', `acks1-${attempt}`, 4);
    expect(r.faults.filter((f) => f.type === 'crash').length, r.stdout).toBeGreaterThanOrEqual(2);
    expect(r.stopped.text).toMatch(/^nemesis stopped; (healed: restarted b\d|nothing left to heal)$/);
    expect(r.check.valid).toBe(false);
    expect(anomalies(r.check.text), r.check.text.slice(0, 3000)).toContain('lost-write');
    expect(r.code).toBe(1);
    // `--record` then `replay`: the server side of the run again, to the same trace hash.
    expect(r.stdout).toContain(`recorded ${r.recording}: kafka-model replay ${r.recording} re-runs it`);
    // The live invariants hold the clients' acknowledged records too: one was lost when it broke.
    const broken = /invariant broken while serving: (no-acked-loss) at (\d+) ms/.exec(r.stdout);
    expect(broken, r.stdout).not.toBeNull();
    const replay = await cli('replay', r.recording);
    expect(replay.code, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout).toContain('reproduced: same trace hash');
    expect(replay.stdout).toContain(`no-acked-loss broken at ${broken![2]} ms`);
  }, 120_000);
});

describe('serve --record (its journal) with a nemesis, then replay', () => {
  it('wire-nemesis-replay: every nemesis fault is journaled; the replay reaches the same trace hash', async () => {
    const journal = join(dir, 'nemesis-journal.jsonl');
    const server = await serve({ preset: 'default', brokers: 3, seed: 3, port: 0, topics: [], journal, nemesis: { names: ['crash-leader', 'partition', 'power-loss-leader', 'delay'], intervalMs: 250 } });
    const kafka = new Kafka({ clientId: 'journal', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 300 }, requestTimeout: 3000 });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await connect(producer);
    for (let i = 0; i < 30 && server.nemesis!.log.length < 6; i++) {
      await producer.send({ topic: 't', acks: -1, timeout: 400, messages: [{ key: 'k', value: `v${i}` }] }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 40));
    }
    await producer.disconnect();
    await server.close();
    const faults = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; fault?: { type: string; kind?: string } }).filter((e) => e.op === 'fault').map((e) => e.fault!);
    // Each nemesis in turn, the previous fault undone first (restart, heal).
    expect(faults.map((f) => f.type)).toEqual(expect.arrayContaining(['crash', 'restart', 'partition', 'heal', 'latency']));
    expect(faults.some((f) => f.type === 'crash' && f.kind === 'power-loss')).toBe(true);
    // At shutdown the nemesis's last fault was undone: nothing is down or cut when the journal ends.
    expect(server.cluster.downNodes()).toEqual([]);
    expect(server.cluster.world.network.cutNodes()).toEqual([]);
    const r = await cli('replay', journal);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('reproduced: same trace hash');
  }, 30_000);
});
