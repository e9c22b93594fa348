import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../src/wire/server.js';

/**
 * librdkafka against the model: Debian's kcat (librdkafka 2.x; .ci/apt-packages) lists metadata,
 * produces and consumes against `serve`. librdkafka negotiates the flexible versions (KIP-482)
 * kafkajs does not use, and compresses batches when asked.
 */
const KCAT = '/usr/bin/kcat';
const skip = !existsSync(KCAT) && !process.env.CI;
if (skip) console.warn('test/wire: kcat is not installed (apt-get install kcat); skipping the librdkafka tests');

function kcat(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(KCAT, args, { timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    if (input !== undefined) child.stdin!.end(input);
  });
}

describe.skipIf(skip)('serve: kcat (librdkafka) lists, produces and consumes', () => {
  let server: RunningServer;
  let broker: string;
  beforeAll(async () => {
    server = await serve({ preset: 'default', brokers: 3, seed: 2, port: 0, topics: [{ name: 'events', partitions: 2 }] });
    broker = `127.0.0.1:${server.endpoints[0]!.port}`;
  });
  afterAll(async () => server?.close());

  it('wire-kcat: metadata names every broker and the leader and ISR of each partition, from the model', async () => {
    const { code, stdout } = await kcat(['-b', broker, '-L', '-J']);
    expect(code).toBe(0);
    const meta = JSON.parse(stdout) as { brokers: { id: number; name: string }[]; topics: { topic: string; partitions: { partition: number; leader: number; isrs: { id: number }[] }[] }[] };
    expect(meta.brokers.map((b) => b.id).sort()).toEqual([1, 2, 3]);
    const events = meta.topics.find((t) => t.topic === 'events')!;
    expect(events.partitions).toHaveLength(2);
    for (const p of events.partitions) {
      expect(p.leader).toBeGreaterThan(0);
      expect(p.isrs.map((b) => b.id)).toContain(p.leader);
    }
  });

  it('wire-kcat: records produced with acks=all and each compression codec are consumed back, in order', async () => {
    for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      const lines = Array.from({ length: 5 }, (_, i) => `${codec}-k${i}:${codec}-v${i}`).join('\n') + '\n';
      const p = await kcat(['-b', broker, '-P', '-t', 'events', '-p', '1', '-K:', '-z', codec, '-X', 'request.required.acks=all'], lines);
      expect(p.code, p.stderr).toBe(0);
    }
    const c = await kcat(['-b', broker, '-C', '-t', 'events', '-p', '1', '-o', 'beginning', '-e', '-f', '%o %k=%s\n']);
    expect(c.code, c.stderr).toBe(0);
    const got = c.stdout.trim().split('\n');
    const want = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].flatMap((codec) => Array.from({ length: 5 }, (_, i) => `${codec}-k${i}=${codec}-v${i}`));
    expect(got).toEqual(want.map((w, i) => `${i} ${w}`));
    expect(server.cluster.violation).toBeUndefined();
  });

  it('wire-kcat-group: a librdkafka consumer group reads every record, commits, and a restarted member resumes after them', async () => {
    const p = await kcat(['-b', broker, '-P', '-t', 'events', '-p', '0', '-K:'], 'a:1\nb:2\nc:3\n');
    expect(p.code, p.stderr).toBe(0);
    const first = await kcat(['-b', broker, '-G', 'kgroup', 'events', '-e', '-f', '%p %o %k=%s\n', '-X', 'auto.offset.reset=earliest']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('0 0 a=1\n0 1 b=2\n0 2 c=3\n');
    const q = await kcat(['-b', broker, '-P', '-t', 'events', '-p', '0', '-K:'], 'd:4\n');
    expect(q.code, q.stderr).toBe(0);
    const again = await kcat(['-b', broker, '-G', 'kgroup', 'events', '-e', '-f', '%p %o %k=%s\n', '-X', 'auto.offset.reset=earliest']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim().split('\n').filter((l) => l.startsWith('0 '))).toEqual(['0 3 d=4']);
  });
});
