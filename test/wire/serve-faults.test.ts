import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFile } from '../../src/cli/commands/check.js';
import { serve } from '../../src/wire/server.js';
import { cli } from '../helpers/cli.js';
import { readBack } from '../helpers/read-back.js';

/**
 * Faults reach real clients: a kafkajs producer writes to `t-0` while the control channel
 * crashes or cuts off its leader; `--record`'s history then goes to the history checker. The
 * verdicts are the checker's, on what the model's replicas did with the client's acks setting.
 */
const dir = mkdtempSync(join(tmpdir(), 'wire-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 40 sends of one record each; the fault after the 10th, healed (and every broker restarted) after `window` more. */
async function workload(acks: -1 | 1, fault: string, file: string, window: number, retries: number) {
  const server = await serve({ preset: 'default', brokers: 3, seed: 1, port: 0, topics: [], history: file });
  const kafka = new Kafka({ clientId: 'faults', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries, initialRetryTime: 50, maxRetryTime: 300 }, requestTimeout: 3000 });
  const producer = kafka.producer();
  await producer.connect();
  const results: string[] = [];
  for (let i = 0; i < 40; i++) {
    if (i === 10) results.push(server.control(fault).text);
    if (i === 10 + window) {
      results.push(server.control('status').text);
      server.control('heal');
      for (const b of ['b1', 'b2', 'b3']) server.control(`restart ${b}`);
      await new Promise((r) => setTimeout(r, 1200));
    }
    if (i > 10 && i < 10 + window) await new Promise((r) => setTimeout(r, 40));
    await producer.send({ topic: 't', acks, timeout: 400, messages: [{ key: 'k', value: `v${i}` }] }).catch(() => undefined);
  }
  await readBack(kafka, 't');
  await producer.disconnect();
  await server.close();
  return { server, results, check: await checkFile(file, { json: true }) };
}

const anomalies = (text: string) => Object.keys((JSON.parse(text) as { errors: Record<string, unknown> }).errors);

describe('serve: faults applied to real clients, judged by the checker on the recorded history', () => {
  it('wire-faults-durable: acks=-1 through a crash of the leader loses no acknowledged record (VALID)', async () => {
    const { server, results, check } = await workload(-1, 'crash-leader t 0', join(dir, 'crash.jsonl'), 15, 30);
    expect(results[0]).toMatch(/^crashed b\d, the leader of t-0/);
    // wire-crash-stays-down: new client connections do not bring the crashed broker back; it stays down until restarted.
    expect(results[1]).toContain(`down: ${/^crashed (b\d)/.exec(results[0]!)![1]};`);
    expect(server.cluster.world.faults.map((f) => f.type)).toEqual(expect.arrayContaining(['crash', 'restart']));
    expect(server.history!.counts.sendOk).toBeGreaterThanOrEqual(35);
    expect(anomalies(check.text)).toEqual([]);
    expect(check.valid).toBe(true);
  }, 30_000);

  it('wire-faults-acks1: acks=1 to a leader cut off from the rest of the cluster loses acknowledged records (lost-write)', async () => {
    const { check } = await workload(1, 'partition b1 b2,b3,controller1,controller2,controller3', join(dir, 'acks1.jsonl'), 15, 30);
    expect(check.valid).toBe(false);
    expect(anomalies(check.text)).toContain('lost-write');
  }, 30_000);

  it('wire-faults-durable: acks=-1 to the same cut-off leader loses nothing (VALID)', async () => {
    const { server, check } = await workload(-1, 'partition b1 b2,b3,controller1,controller2,controller3', join(dir, 'acksall.jsonl'), 3, 1);
    expect(server.history!.counts.sendOk).toBeGreaterThan(25);
    expect(anomalies(check.text)).toEqual([]);
  }, 30_000);
});

describe('serve --record (its journal), then replay', () => {
  it('wire-journal-replay: the served World, re-run from its journal with no sockets, reaches the same trace hash', async () => {
    const journal = join(dir, 'journal.jsonl');
    const server = await serve({ preset: 'default', brokers: 3, seed: 4, port: 0, topics: [{ name: 'o', partitions: 2 }], journal });
    const kafka = new Kafka({ clientId: 'journal', brokers: server.endpoints.map((e) => `${e.host}:${e.port}`), logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 50, maxRetryTime: 300 } });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 10; i++) {
      if (i === 5) server.control('crash-leader o 0');
      await producer.send({ topic: 'o', acks: -1, messages: [{ key: `k${i}`, value: `v${i}` }] });
    }
    await producer.disconnect();
    await server.close();
    const r = await cli('replay', journal);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('reproduced: same trace hash');
    // The journal is the whole input: changing one entry changes the run.
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const fault = lines.findIndex((l) => l.includes('"op":"fault"'));
    expect(fault).toBeGreaterThan(0);
    writeFileSync(journal, [...lines.slice(0, fault), ...lines.slice(fault + 1)].join('\n') + '\n');
    const changed = await cli('replay', journal);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toContain('NOT REPRODUCED');
  }, 30_000);
});
