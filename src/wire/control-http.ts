/**
 * `serve --control-port N`: the control channel over HTTP on loopback, a small JSON API for
 * scripts and test harnesses that cannot write to serve's stdin (issue 14, "faults on a live
 * cluster"). node:http is enough for four routes; no framework.
 *
 *   POST /control  {"command": "crash b1"}   the stdin command language (control.ts), plus
 *                                             report and quit: {"ok": true, "text": "..."}
 *   GET  /status                              leaders, ISRs, nodes up or down, cuts, fault count
 *   GET  /faults                              every fault the World applied so far
 *   POST /report                              the checker's verdict on the history so far
 *
 * A body that is not JSON, has no string `command`, or names a command the language refuses is
 * answered 400 with {"ok": false, "text": one line}; nothing in the model changes (control.ts
 * applies a fault only once its command has parsed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { ControlResult } from './control.js';

/** What the endpoint answers with: serve's control path, its state, and its report. */
export interface ControlApi {
  control(line: string): ControlResult;
  status(): unknown;
  faults(): unknown;
  /** The checker's verdict on the history so far; `text` is what `report` prints on stdin. */
  report(): Promise<{ readonly text: string } & Record<string, unknown>>;
  /** `quit`: stop serving (the final report follows, as on SIGINT). */
  quit(): void;
}

export interface ControlEndpoint {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * One command line of either transport (stdin, POST /control): `report` and `quit` (or `stop`)
 * are serve's own, every other command is the control language's (control.ts). A `quit` is
 * returned, not carried out, so that the transport answers before serving stops.
 */
export async function runCommand(api: Pick<ControlApi, 'control' | 'report'>, command: string): Promise<ControlResult & { readonly quit: boolean }> {
  if (command === 'quit' || command === 'stop') return { ok: true, text: 'stopping', quit: true };
  if (command === 'report') return { ok: true, text: (await api.report()).text, quit: false };
  return { ...api.control(command), quit: false };
}

/** A control command is one short line; a bigger body is not one. */
const MAX_BODY = 64 * 1024;
const HOST = '127.0.0.1';

class BadRequest extends Error {}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BadRequest(`the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The command of a POST /control body: {"command": "crash b1"}. */
function commandOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new BadRequest(`the body is not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const command = (parsed as { command?: unknown } | null)?.command;
  if (typeof parsed !== 'object' || parsed === null || typeof command !== 'string') throw new BadRequest('the body must be a JSON object with a string "command", as {"command": "crash b1"}');
  if (command.includes('\n')) throw new BadRequest('"command" is one line');
  return command.trim();
}

async function route(api: ControlApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  const method = req.method ?? 'GET';
  const allowed: Record<string, string> = { '/control': 'POST', '/report': 'POST', '/status': 'GET', '/faults': 'GET' };
  if (!(path! in allowed)) return send(res, 404, { ok: false, text: `no route ${path} (POST /control, GET /status, GET /faults, POST /report)` });
  if (allowed[path!] !== method) return send(res, 405, { ok: false, text: `${path} takes ${allowed[path!]}, not ${method}` });
  switch (path) {
    case '/status':
      return send(res, 200, api.status());
    case '/faults':
      return send(res, 200, api.faults());
    case '/report':
      return send(res, 200, await api.report());
    case '/control': {
      const { quit, ...r } = await runCommand(api, commandOf(await readBody(req)));
      send(res, r.ok ? 200 : 400, r);
      if (quit) api.quit();
      return;
    }
  }
}

/** Listen on loopback (port 0: any free port); the endpoint's port is the one bound. */
export function listenControl(port: number, api: ControlApi): Promise<ControlEndpoint> {
  const server = createServer((req, res) => {
    route(api, req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof BadRequest) return send(res, 400, { ok: false, text: e.message });
      send(res, 500, { ok: false, text: `internal error: ${(e as Error).message.split('\n')[0]}` });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve({
        host: HOST,
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
