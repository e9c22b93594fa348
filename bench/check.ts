/**
 * `npm run bench -- check`: the history checker on a generated 1,000,000-op JSON Lines
 * history, against the floor of reading the same file and JSON.parse-ing every line.
 * Target: under 10 s and 2 GiB peak RSS.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { HistoryChecker } from '../src/check/history/checker.js';
import { generateHistory } from '../src/check/history/generate.js';
import { readHistoryBatches } from '../src/oracle/history/parse.js';

const OPS = 1_000_000;

async function writeHistory(path: string): Promise<void> {
  const out = createWriteStream(path);
  let buf = '';
  for (const op of generateHistory({ ops: OPS, seed: 7, processes: 16, keys: 32, keysPerProcess: 4, txnRate: 0.2, gapRate: 0.05 })) {
    buf += `${JSON.stringify(op)}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
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

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-model-check-'));
  try {
    const path = join(dir, 'history.jsonl');
    await writeHistory(path);
    const mib = statSync(path).size / (1 << 20);

    let t = performance.now();
    const lines = await bareParse(path);
    const parseMs = performance.now() - t;

    t = performance.now();
    const checker = new HistoryChecker();
    for await (const batch of readHistoryBatches(path, "jsonl")) for (const { op, text } of batch) checker.add(op, text);
    const result = checker.finish({ subVia: ['assign'], wwDeps: true });
    const checkMs = performance.now() - t;
    const peakMiB = process.resourceUsage().maxRSS / 1024;

    console.log(`check: ${lines} ops (${mib.toFixed(0)} MiB of JSON Lines), valid=${result.valid}, anomalies=[${result['error-types'].join(', ')}]`);
    console.log(`  bare JSON.parse of every line  ${(parseMs / 1000).toFixed(2)} s`);
    console.log(`  kafka-model check (ww-deps)    ${(checkMs / 1000).toFixed(2)} s`);
    console.log(`  ratio check / parse            ${(checkMs / parseMs).toFixed(2)}x`);
    console.log(`  peak RSS                       ${peakMiB.toFixed(0)} MiB (target < 2048 MiB, < 10 s)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await run();
