import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { startServeCli } from '../helpers/serve-cli.js';

/**
 * `serve --control-port`: the control commands over HTTP on loopback. A crash sent to POST
 * /control shows in GET /status and GET /faults; bad requests are 400s that change nothing in
 * the model, and the server keeps serving.
 */
describe('serve --control-port: the JSON control API', () => {
  it('wire-http-control: a crash through POST /control is in /status and /faults; bad requests are 400 and change nothing', async () => {
    const s = await startServeCli('--port', '0', '--control', 'none', '--control-port', '0', '--duration', '20');
    const url = s.control!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const post = async (path: string, body: string) => {
      const r = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    };
    const get = async (path: string) => (await (await fetch(`${url}${path}`)).json()) as Record<string, unknown>;

    type Status = { partitions: { topic: string; partition: number; leader: number; isr: number[] }[]; nodes: { node: string; up: boolean }[]; faults: number };
    const before = (await get('/status')) as unknown as Status;
    expect(before.faults).toBe(0);
    expect(before.nodes.filter((n) => !n.up)).toEqual([]);
    const leader = before.partitions.find((p) => p.topic === 't' && p.partition === 0)!.leader;
    expect(leader).toBeGreaterThan(0);

    // Bad requests: not JSON, no command, an unknown command, a node that does not exist.
    for (const body of ['{not json', '{"cmd": "crash b1"}', '"crash b1"', '{"command": "explode b1"}', '{"command": "crash b9"}']) {
      const r = await post('/control', body);
      expect(r.status, body).toBe(400);
      expect(r.body['ok']).toBe(false);
      expect(String(r.body['text']).split('\n')).toHaveLength(1);
    }
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/control`)).status).toBe(405);
    const unchanged = (await get('/status')) as unknown as Status;
    expect(unchanged.faults).toBe(0);
    expect(unchanged.nodes.filter((n) => !n.up)).toEqual([]);

    const crash = await post('/control', JSON.stringify({ command: 'crash-leader t 0' }));
    expect(crash.status).toBe(200);
    expect(crash.body).toEqual({ ok: true, text: `crashed b${leader}, the leader of t-0` });
    const after = (await get('/status')) as unknown as Status;
    expect(after.faults).toBe(1);
    expect(after.nodes.filter((n) => !n.up).map((n) => n.node)).toEqual([`b${leader}`]);
    const faults = (await get('/faults')) as unknown as { type: string; node: string; kind: string; at: number }[];
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ type: 'crash', node: `b${leader}`, kind: 'process' });

    // The cluster elects another leader for t-0 (the crashed broker's leadership moves away).
    let moved: Status | undefined;
    for (let i = 0; i < 100 && !moved; i++) {
      const st = (await get('/status')) as unknown as Status;
      const l = st.partitions.find((p) => p.topic === 't' && p.partition === 0)!.leader;
      if (l > 0 && l !== leader) moved = st;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(moved, 'a new leader for t-0').toBeDefined();

    // The server still serves commands after the bad ones; status as a command answers text.
    const status = await post('/control', JSON.stringify({ command: 'status' }));
    expect(status.status).toBe(200);
    expect(String(status.body['text'])).toContain(`down: b${leader};`);
    const restart = await post('/control', JSON.stringify({ command: `restart b${leader}` }));
    expect(restart.body).toEqual({ ok: true, text: `restarted b${leader}` });
    const report = await post('/report', '');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ valid: true, faults: 2, invariant: null, history: null });

    const quit = await post('/control', JSON.stringify({ command: 'quit' }));
    expect(quit.body['ok']).toBe(true);
    expect(await s.done).toBe(0);
    expect(s.stdout()).toMatch(/no invariant broken in \d+ ms of serving \(2 faults\)/);
  }, 30_000);

  it.each([
    [['--control-port', 'x'], /--control-port must be an integer from 0 to 65535/],
    [['--nemesis', 'crash-leader,chaos'], /--nemesis takes a comma-separated list of crash-leader, power-loss-leader, partition, delay; got "chaos"/],
    [['--nemesis', 'partition,partition'], /--nemesis: partition is named twice/],
    [['--nemesis', 'crash-leader', '--interval', '5m'], /--interval takes a duration from 50ms to 86400s/],
    [['--nemesis', 'crash-leader', '--interval', '-1'], /--interval takes a duration/],
    [['--interval', '5s'], /--interval is the nemesis interval: give --nemesis too/],
  ])('bad input %j: one line naming it, exit 2', async (args, message) => {
    const r = await cli('serve', '--port', '0', '--duration', '0.1', '--control', 'none', ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  });
});
