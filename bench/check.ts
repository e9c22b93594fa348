/**
 * `npm run bench -- check`: the history checker on a generated 1,000,000-op history, as JSON
 * Lines and as EDN (Jepsen's history.edn: the same ops), against the floor of reading the
 * JSON Lines file and JSON.parse-ing every line, measured in the same run. Each check runs in
 * a process of its own, as `kafka-model check FILE` would, so each peak RSS is its own.
 * Target (issue 16): under 8 s and 400 MB peak RSS for each format, on the 2-core CI machine.
 * The check is the CLI's default, with Elle's realtime edges (as Jepsen's Kafka checker).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HistoryChecker } from '../src/check/history/checker.js';
import { generateHistory } from '../src/check/history/generate.js';
import { type HistoryFormat, readHistoryBatches } from '../src/oracle/history/parse.js';
import type { HistoryOp } from '../src/oracle/history/types.js';

const OPS = 1_000_000;

function ednValue(x: unknown): string {
  if (x === null || x === undefined) return 'nil';
  if (typeof x === 'number') return String(x);
  if (typeof x === 'string') return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(ednValue).join(' ')}]`;
  const entries = Object.entries(x as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${/^-?(0|[1-9][0-9]*)$/.test(k) ? k : JSON.stringify(k)} ${ednValue(v)}`).join(', ')}}`;
}

/** An op as Jepsen writes it to history.edn: keywords for type, f and micro-op names, integer keys. */
function toEdn(op: HistoryOp): string {
  const value = op.f === 'send' || op.f === 'poll' || op.f === 'txn'
    ? `[${(op.value as unknown[][]).map((m) => `[:${String(m[0])}${m.slice(1).map((x) => ` ${ednValue(x)}`).join('')}]`).join(' ')}]`
    : ednValue(op.value);
  return `{:type :${op.type}, :f :${op.f}, :value ${value}, :time ${op.time}, :process ${op.process}, :index ${op.index}}`;
}

async function writeHistories(jsonl: string, edn: string): Promise<void> {
  const outs: [WriteStream, (op: HistoryOp) => string][] = [
    [createWriteStream(jsonl), (op) => JSON.stringify(op)],
    [createWriteStream(edn), toEdn],
  ];
  const bufs = ['', ''];
  const flush = async (i: number): Promise<void> => {
    const out = outs[i]![0];
    if (!out.write(bufs[i])) await once(out, 'drain');
    bufs[i] = '';
  };
  for (const op of generateHistory({ ops: OPS, seed: 7, processes: 16, keys: 32, keysPerProcess: 4, txnRate: 0.2, gapRate: 0.05 })) {
    for (let i = 0; i < outs.length; i++) {
      bufs[i] += `${outs[i]![1](op)}\n`;
      if (bufs[i]!.length > 1 << 20) await flush(i);
    }
  }
  for (let i = 0; i < outs.length; i++) {
    const out = outs[i]![0];
    out.end(bufs[i]);
    await once(out, 'finish');
  }
}

async function bareParse(path: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) {
    if (line.length > 0) {
      JSON.parse(line);
      n++;
    }
  }
  return n;
}

interface CheckRun {
  ops: number;
  ms: number;
  peakMiB: number;
  valid: boolean;
  anomalies: string[];
}

/** In the child: read and check one file, as `kafka-model check FILE --ww-deps` does. */
async function checkHere(path: string, format: HistoryFormat): Promise<CheckRun> {
  const t = performance.now();
  const checker = new HistoryChecker(path);
  let ops = 0;
  for await (const batch of readHistoryBatches(path, format)) {
    for (const { op, text, span } of batch) checker.add(op, span ?? text);
    ops += batch.length;
  }
  const result = checker.finish({ subVia: ['assign'], wwDeps: true });
  const ms = performance.now() - t;
  return { ops, ms, peakMiB: process.resourceUsage().maxRSS / 1024, valid: result.valid, anomalies: [...result['error-types']] };
}

/** Runs checkHere in a fresh process (same Node flags, so tsx's loader too). */
function checkInChild(path: string, format: HistoryFormat): CheckRun {
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', format, path], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`check of ${path} failed (exit ${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as CheckRun;
}

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-model-check-'));
  try {
    const jsonl = join(dir, 'history.jsonl');
    const edn = join(dir, 'history.edn');
    await writeHistories(jsonl, edn);
    const mib = (p: string): string => (statSync(p).size / (1 << 20)).toFixed(0);

    const t = performance.now();
    const lines = await bareParse(jsonl);
    const parseMs = performance.now() - t;

    const runs: [string, CheckRun][] = [
      ['JSON Lines', checkInChild(jsonl, 'jsonl')],
      ['EDN', checkInChild(edn, 'edn')],
    ];
    const first = runs[0]![1];
    console.log(`check: ${lines} ops (${mib(jsonl)} MiB of JSON Lines, ${mib(edn)} MiB of EDN), valid=${first.valid}, anomalies=[${first.anomalies.join(', ')}]`);
    console.log(`  ${'bare JSON.parse of every line'.padEnd(32)}${(parseMs / 1000).toFixed(2)} s`);
    for (const [name, r] of runs) {
      if (r.ops !== lines || r.valid !== first.valid || r.anomalies.join() !== first.anomalies.join()) {
        throw new Error(`${name}: ${r.ops} ops, valid=${r.valid}, anomalies=[${r.anomalies.join(', ')}]: not what JSON Lines gave`);
      }
      console.log(`  ${`check ${name} (ww-deps)`.padEnd(32)}${(r.ms / 1000).toFixed(2)} s  ${(r.ms / parseMs).toFixed(2)}x parse  peak RSS ${r.peakMiB.toFixed(0)} MiB`);
    }
    const over = runs.filter(([, r]) => r.ms > 8000 || r.peakMiB > 400 * 1e6 / (1 << 20));
    console.log(`  target: each < 8 s and < 400 MB (${(400e6 / (1 << 20)).toFixed(0)} MiB)${over.length > 0 ? `; MISSED by ${over.map(([n]) => n).join(', ')}` : '; met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') {
    process.stdout.write(JSON.stringify(await checkHere(process.argv[4]!, process.argv[3] as HistoryFormat)));
  } else {
    await run();
  }
}
