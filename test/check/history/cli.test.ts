import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateHistory } from '../../../src/check/history/generate.js';
import type { HistoryOp, OffsetValue } from '../../../src/oracle/history/types.js';
import { cli } from '../../helpers/cli.js';
import { H } from './builder.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-model-check-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `kafka-model check ...` in process, through the CLI's own entry point. */
async function check(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await cli('check', ...args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

function jsonl(name: string, ops: readonly HistoryOp[]): string {
  const path = join(dir, name);
  writeFileSync(path, ops.map((o) => JSON.stringify(o)).join('\n') + '\n');
  return path;
}

function skippingHistory(): HistoryOp[] {
  const h = new H();
  h.send(9, 1, 10, 0);
  h.send(9, 1, 11, 1);
  h.send(9, 1, 12, 2);
  h.poll(8, { '1': [[0, 10], [1, 11], [2, 12]] });
  h.poll(0, { '1': [[0, 10]] });
  h.poll(0, { '1': [[2, 12]] });
  return h.ops;
}

describe('kafka-model check', () => {
  it('exits 0 and says VALID for a clean history', async () => {
    const h = new H();
    h.send(0, 1, 10, 0);
    h.poll(1, { '1': [[0, 10]] });
    const r = await check(jsonl('ok.jsonl', h.ops));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/VALID: no anomalies found/);
  });

  it('exits 1 and prints Jepsen-shaped JSON with --json', async () => {
    const r = await check(jsonl('skip.jsonl', skippingHistory()), '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { valid: boolean; errors: Record<string, unknown[]>; 'bad-error-types': string[] };
    expect(out.valid).toBe(false);
    expect(out['bad-error-types']).toEqual(['poll-skip']);
    expect(out.errors['poll-skip']).toEqual([
      {
        key: 1,
        delta: 2,
        skipped: [11],
        ops: [
          { index: 9, time: 9000, process: 0, type: 'ok', f: 'poll', value: [['poll', { '1': [[0, 10]] }]] },
          { index: 11, time: 11000, process: 0, type: 'ok', f: 'poll', value: [['poll', { '1': [[2, 12]] }]] },
        ],
      },
    ]);
  });

  it('prints a readable report naming each anomaly, its cases and what counts', async () => {
    const r = await check(jsonl('skip2.jsonl', skippingHistory()));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/INVALID: poll-skip/);
    expect(r.out).toMatch(/poll-skip: 1 case\n/);
    expect(r.out).toMatch(/key 1, delta 2, skipped \[11\], ops #9\(p0 ok poll\) -> #11\(p0 ok poll\)/);
  });

  it('lets --sub-via subscribe allow poll-skip, and --ww-deps allow G1c', async () => {
    const r = await check(jsonl('skip3.jsonl', skippingHistory()), '--sub-via', 'subscribe');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/poll-skip: 1 case \(allowed by the options\)/);

    const h = new H();
    h.txn(0, [['send', 1, [0, 10]], ['poll', { '2': [[0, 20]] }]]);
    h.txn(1, [['send', 2, [0, 20]], ['poll', { '1': [[0, 10]] }]]);
    const path = jsonl('g1c.jsonl', h.ops);
    expect((await check(path)).code).toBe(1);
    const ww = await check(path, '--ww-deps', '--json');
    expect(ww.code).toBe(0);
    expect(Object.keys((JSON.parse(ww.out) as { errors: object }).errors)).toEqual(['G1c']);
  });

  it('reads EDN, and takes --format when the name does not say', async () => {
    const edn = join(dir, 'h.edn');
    writeFileSync(edn, '{:index 0 :type :invoke :process 0 :f :send :value [[:send 1 10]]}\n{:index 1 :type :ok :process 0 :f :send :value [[:send 1 [0 10]]]}\n');
    const r = await check(edn, '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({
      valid: false,
      'bad-error-types': ['empty-transaction-graph', 'unseen'],
      errors: { 'empty-transaction-graph': [{ completions: 1, ok: 1 }], unseen: [{ time: null, unseen: { '1': 1 }, messages: { '1': [10] } }] },
    });
    const txt = join(dir, 'h.txt');
    writeFileSync(txt, '{"type":"ok","process":0,"f":"send","value":[["send",1,[0,10]]]}\n{"type":"ok","process":1,"f":"poll","value":[["poll",{"1":[[0,10]]}]]}\n');
    expect((await check(txt)).err).toMatch(/cannot tell the history format.*--format edn\|jsonl\|json/);
    expect((await check(txt, '--format', 'jsonl')).code).toBe(0);
  });

  it('an empty history, or one where every op failed, is nothing to check: said so, and exit 1 (Jepsen: empty-transaction-graph)', async () => {
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '');
    const failed = join(dir, 'failed.jsonl');
    writeFileSync(
      failed,
      '{"type":"invoke","process":0,"f":"send","value":[["send",1,10]]}\n{"type":"fail","process":0,"f":"send","value":[["send",1,10]]}\n' +
        '{"type":"invoke","process":1,"f":"poll","value":[["poll"]]}\n{"type":"fail","process":1,"f":"poll","value":[["poll"]]}\n',
    );
    for (const [path, why] of [
      [empty, 'the history has no client completions'],
      [failed, 'none of its 2 client completions are ok'],
    ] as const) {
      const r = await check(path);
      expect(r.code, path).toBe(1);
      expect(r.out).toContain(`NOTHING TO CHECK (empty-transaction-graph): ${why}`);
      expect(r.out).toContain('INVALID: empty-transaction-graph');
      expect(JSON.parse((await check(path, '--json')).out)).toMatchObject({ valid: false, 'bad-error-types': ['empty-transaction-graph'] });
    }
  });

  it('exits 2 with one line naming the file, line and problem', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"type":"invoke","process":0,"f":"poll","value":[["poll"]]}\n{"type":"ok","process":0,"f":"poll","value":[["poll",{"1":[[0,"a","b"]]}]]}\n');
    const r = await check(bad);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`kafka-model: ${bad}:2: micro-op 0, key "1": a list of 3; expected an [offset, value] pair\n`);
    const missing = await check(join(dir, 'nope.jsonl'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/nope\.jsonl: cannot read history \(ENOENT\)/);
    const sub = await check(bad, '--sub-via', 'sometimes');
    expect(sub.code).toBe(2);
    expect(sub.err).toMatch(/sub-via must be assign or subscribe/);
  });

  it('streams a 100,000-op history, and finds one deleted read in it', async () => {
    const path = join(dir, 'big.jsonl');
    const out = createWriteStream(path);
    // One reader per key, so a deleted read is lost rather than seen by another process.
    const ops = [...generateHistory({ ops: 100_000, seed: 3, processes: 8, keys: 8, keysPerProcess: 1 })];
    let victim: { key: string; value: number } | undefined;
    for (const op of ops) {
      if (victim === undefined && op.type === 'ok' && op.f === 'poll' && op.index > 50_000) {
        const result = (op.value as [['poll', Record<string, OffsetValue[]>]])[0][1];
        for (const [k, pairs] of Object.entries(result)) {
          if (pairs.length >= 2) {
            victim = { key: k, value: pairs[0]![1] as number };
            pairs.shift();
            break;
          }
        }
      }
      if (!out.write(`${JSON.stringify(op)}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    expect(victim).toBeDefined();
    const r = await check(path, '--json');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.out) as { errors: Record<string, { key: unknown; value: unknown }[]> };
    expect(result.errors['lost-write']?.map((c) => [String(c.key), c.value])).toEqual([[victim!.key, victim!.value]]);
  });
});

describe('kafka-model check reads back the ops it reports from the file', () => {
  // The checker keeps only where each op's line is (its bytes), so this is where an
  // off-by-one in the byte offsets would show: multi-byte text, CRLF line ends, a last line
  // without a newline, and a line that is not valid UTF-8 (offsets counted from decoded text
  // are then wrong, so the checker keeps the text from there on).
  function skipsWithText(value: string): HistoryOp[] {
    const h = new H();
    h.send(9, 'k', `${value}-0`, 0);
    h.send(9, 'k', `${value}-1`, 1);
    h.send(9, 'k', `${value}-2`, 2);
    h.poll(8, { k: [[0, `${value}-0`], [1, `${value}-1`], [2, `${value}-2`]] });
    h.poll(0, { k: [[0, `${value}-0`]] });
    h.poll(0, { k: [[2, `${value}-2`]] });
    return h.ops;
  }

  it.each([
    ['multi-byte text, LF', 'zürich→東京', '\n', true, false],
    ['multi-byte text, CRLF, no final newline', 'zürich→東京', '\r\n', false, false],
    ['a line of invalid UTF-8 first', 'plain', '\n', true, true],
  ])('%s', async (_name, value, eol, finalNewline, badByte) => {
    const ops = skipsWithText(value);
    const lines = ops.map((o) => JSON.stringify(o));
    const path = join(dir, `readback-${lines.length}-${eol.length}-${String(badByte)}.jsonl`);
    const body = Buffer.from(lines.join(eol) + (finalNewline ? eol : ''), 'utf8');
    // An invocation whose extra field holds a lone 0xff byte (decoded as U+FFFD: 3 bytes for 1).
    const bad = Buffer.concat([Buffer.from('{"index":99,"time":0,"process":7,"type":"invoke","f":"poll","value":[["poll"]],"note":"'), Buffer.from([0xff]), Buffer.from(`"}${eol}`)]);
    writeFileSync(path, badByte ? Buffer.concat([bad, body]) : body);
    const r = await check(path, '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.out) as { errors: { 'poll-skip': { ops: HistoryOp[] }[] } };
    expect(out.errors['poll-skip'][0]!.ops).toEqual([ops[9], ops[11]]);
  });

  /** An op as Jepsen writes it to history.edn (integer keys and values only). */
  function edn(op: HistoryOp): string {
    const v = (x: unknown): string => (x === null ? 'nil' : Array.isArray(x) ? `[${x.map(v).join(' ')}]` : typeof x === 'object' ? `{${Object.entries(x as object).map(([k, y]) => `${k} ${v(y)}`).join(', ')}}` : String(x));
    const value = (op.value as unknown[][]).map((m) => `[:${String(m[0])}${m.slice(1).map((x) => ` ${v(x)}`).join('')}]`).join(' ');
    return `{:type :${op.type}, :f :${op.f}, :value [${value}], :time ${op.time}, :process ${op.process}${op.index % 3 === 0 ? '' : `, :index ${op.index}`}}`;
  }

  // EDN ops in Jepsen's usual shape are kept as where their line is too, and read back with
  // the EDN reader: after a form over two lines and a nemesis op with multi-byte text (read
  // by the general path), with CRLF line ends, some lines without :index.
  it('EDN: the same report as the same ops in JSON Lines', async () => {
    const ops = skippingHistory().map((o, i) => ({ ...o, index: i + 1, time: 1000 * (i + 1) }));
    const head = ['{:type :info, :process :nemesis, :f :start,', ' :value "zürich→東京", :index 0}'];
    const ednPath = join(dir, 'readback.edn');
    writeFileSync(ednPath, [...head, ...ops.map(edn)].join('\r\n') + '\r\n');
    const jsonPath = join(dir, 'readback-edn.jsonl');
    const plain = ops.map((o) => (o.index % 3 === 0 ? JSON.stringify({ ...o, index: undefined }) : JSON.stringify(o)));
    writeFileSync(jsonPath, [JSON.stringify({ type: 'info', process: 'nemesis', f: 'start', value: 'zürich→東京', index: 0 }), ...plain].join('\n') + '\n');
    const fromEdn = await check(ednPath, '--json');
    const fromJson = await check(jsonPath, '--json');
    expect(fromEdn.code).toBe(1);
    expect(JSON.parse(fromEdn.out)).toEqual(JSON.parse(fromJson.out));
    const out = JSON.parse(fromEdn.out) as { errors: { 'poll-skip': { ops: HistoryOp[] }[] } };
    expect(out.errors['poll-skip'][0]!.ops).toEqual([ops[9], ops[11]]);
  });
});
