import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { checkHistoryAsync } from '../../../src/check/history/checker.js';
import { HistoryFormatError } from '../../../src/oracle/history/normalize.js';
import { formatFromPath, parseHistory } from '../../../src/oracle/history/parse.js';
import type { HistoryOp } from '../../../src/oracle/history/types.js';

const dir = mkdtempSync(join(tmpdir(), 'kafka-model-parse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(input: Parameters<typeof parseHistory>[0], format?: Parameters<typeof parseHistory>[1]): Promise<HistoryOp[]> {
  const out: HistoryOp[] = [];
  for await (const op of parseHistory(input, format)) out.push(op);
  return out;
}

async function failure(path: string): Promise<string> {
  try {
    await all(path);
  } catch (e) {
    expect(e).toBeInstanceOf(HistoryFormatError);
    return (e as Error).message;
  }
  throw new Error('expected the history to be rejected');
}

/** Jepsen's history.edn as it writes it: one map per line, keywords, integer keys, nil, sets, lists. */
const EDN = `{:index 0, :time 100, :type :invoke, :process 0, :f :send, :value [[:send 3 1]]}
{:index 1, :time 200, :type :ok, :process 0, :f :send, :value [[:send 3 [0 1]]]}
{:index 2, :time 300, :type :invoke, :process 1, :f :poll, :value [[:poll]]}
{:index 3, :time 400, :type :ok, :process 1, :f :poll, :value [[:poll {3 [[0 1]], 4 []}]], :rebalance-log ({:keys #{3}, :other "x"})}
{:index 4, :time 500, :type :info, :process :nemesis, :f :start-partition, :value {"n1" #{"n2"}}}
{:index 5, :time 600, :type :invoke, :process 2, :f :send, :value [[:send 4 2]]}
; a comment line
{:index 6, :time 700, :type :info, :process 2, :f :send, :value [[:send 4 [nil 2]]], :error [:timeout "no answer"]}
{:index 7 :time 800 :type :invoke :process 3 :f :crash :value nil}
#jepsen.history.Op{:index 8, :time 900, :type :invoke, :process 4, :f :assign, :value [3 4]}
`;

const JSONL = `{"index":0,"time":100,"type":"invoke","process":0,"f":"send","value":[["send",3,1]]}
{"index":1,"time":200,"type":"ok","process":0,"f":"send","value":[["send",3,[0,1]]]}
{"index":2,"time":300,"type":"invoke","process":1,"f":"poll","value":[["poll"]]}
{"index":3,"time":400,"type":"ok","process":1,"f":"poll","value":[["poll",{"3":[[0,1]],"4":[]}]],"rebalance-log":[{"keys":[3]}]}
{"index":4,"time":500,"type":"info","process":"nemesis","f":"start-partition","value":{"n1":["n2"]}}
{"index":5,"time":600,"type":"invoke","process":2,"f":"send","value":[["send",4,2]]}

{"index":6,"time":700,"type":"info","process":2,"f":"send","value":[["send",4,[null,2]]],"error":["timeout","no answer"]}
{"index":7,"time":800,"type":"invoke","process":3,"f":"crash","value":null}
{"index":8,"time":900,"type":"invoke","process":4,"f":"assign","value":[3,4]}
`;

describe('formats', () => {
  it('is chosen by extension', () => {
    expect(formatFromPath('a/history.edn')).toBe('edn');
    expect(formatFromPath('h.JSONL')).toBe('jsonl');
    expect(formatFromPath('h.ndjson')).toBe('jsonl');
    expect(formatFromPath('h.json')).toBe('json');
    expect(formatFromPath('h.txt')).toBeUndefined();
  });

  it('reads EDN as Jepsen writes it into the same ops as the JSON Lines equivalent', async () => {
    const edn = await all(file('h.edn', EDN));
    const jsonl = await all(file('h.jsonl', JSONL));
    expect(edn).toHaveLength(9);
    expect(JSON.parse(JSON.stringify(edn))).toEqual(JSON.parse(JSON.stringify(jsonl)));
    expect(edn[3]).toMatchObject({ type: 'ok', f: 'poll', process: 1, 'rebalance-log': [{ keys: [3] }] });
    expect(edn[4]).toMatchObject({ process: 'nemesis', type: 'info' });
  });

  it('gives the same verdict on the EDN and JSON Lines forms', async () => {
    const a = await checkHistoryAsync(parseHistory(file('v.edn', EDN)));
    const b = await checkHistoryAsync(parseHistory(file('v.jsonl', JSONL)));
    expect(a['error-types']).toEqual(b['error-types']);
    expect(a.valid).toBe(true);
  });

  it('reads a list in the first op as a list, and a history wrapped in one vector', async () => {
    const ops = await all(file('l.edn', '{:type :invoke, :process 0, :f :send, :value ([:send 1 2])}\n'));
    expect(ops[0]).toMatchObject({ index: 0, value: [['send', 1, 2]] });
    const wrapped = await all(file('w.edn', `[\n${EDN.split('\n').filter((l) => !l.startsWith(';')).join('\n')}]\n`));
    expect(wrapped).toHaveLength(9);
  });

  it('reads a JSON array file, and JSON Lines under .json', async () => {
    const arr = await all(file('a.json', `[${JSONL.trim().split('\n').filter((l) => l.length > 0).join(',\n')}]`));
    expect(arr).toHaveLength(9);
    expect(await all(file('l.json', JSONL))).toHaveLength(9);
  });

  it('reads from a stream when told the format, with CRLF line ends', async () => {
    const ops = await all(Readable.from([JSONL.replace(/\n/g, '\r\n')]), 'jsonl');
    expect(ops).toHaveLength(9);
    expect(ops[8]).toMatchObject({ f: 'assign', value: [3, 4] });
  });

  it('reads a poll with a null result as a poll with no result', async () => {
    const path = file('null.jsonl', '{"type":"ok","process":0,"f":"poll","value":[["poll",null]]}\n');
    const r = await checkHistoryAsync(parseHistory(path));
    // Read, and nothing in it to check: a poll that read nothing depends on no send.
    expect(r['error-types']).toEqual(['empty-transaction-graph']);
    expect(r.stats.completions).toBe(1);
  });

  it('numbers ops without an index by position', async () => {
    const ops = await all(file('n.jsonl', '{"type":"invoke","process":0,"f":"poll","value":[["poll"]]}\n{"type":"ok","process":0,"f":"poll","value":[["poll",{}]]}\n'));
    expect(ops.map((o) => o.index)).toEqual([0, 1]);
  });

  it('keeps __proto__ in a poll result as an ordinary key', async () => {
    const ops = await all(file('p.jsonl', '{"index":0,"type":"ok","process":0,"f":"poll","value":[["poll",{"__proto__":[[0,1]]}]]}\n'));
    const result = (ops[0]!.value as [['poll', Record<string, unknown>]])[0][1];
    expect(Object.keys(result)).toEqual(['__proto__']);
    const edn = await all(file('p.edn', '{:index 0 :type :ok :process 0 :f :poll :value [[:poll {"__proto__" [[0 1]]}]]}\n'));
    const r2 = (edn[0]!.value as [['poll', Record<string, unknown>]])[0][1];
    expect(Object.keys(r2)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(r2)).toBeNull();
  });
});

describe('malformed input gets one clear line: where, what, and what was expected', () => {
  it.each([
    ['j1.jsonl', 'bad JSON', '{"index":0,"type":"ok","process":0,"f":"poll","value":[["poll"]]}\n{"index":1,', /^.*j1\.jsonl:2: not valid JSON .*expected one op object per line$/],
    ['j2.jsonl', 'unknown type', '{"type":"okk","process":0,"f":"send","value":[]}\n', /j2\.jsonl:1: field "type" is "okk"; expected one of invoke, ok, fail, info$/],
    ['j3.jsonl', 'unknown f', '{"type":"ok","process":0,"f":"write","value":[]}\n', /j3\.jsonl:1: field "f" is "write"; expected one of send, poll, txn/],
    ['j4.jsonl', 'missing process', '{"type":"ok","f":"send","value":[]}\n', /j4\.jsonl:1: field "process" is missing; expected an integer/],
    ['j5.jsonl', 'missing value', '{"type":"ok","process":0,"f":"send"}\n', /j5\.jsonl:1: field "value" is missing; a send op carries a list of micro-ops/],
    ['j6.jsonl', 'negative offset', '{"type":"ok","process":0,"f":"send","value":[["send",1,[-1,5]]]}\n', /j6\.jsonl:1: micro-op 0: offset is -1; expected a non-negative integer or null/],
    ['j7.jsonl', 'unknown micro-op', '{"type":"ok","process":0,"f":"txn","value":[["sned",1,2]]}\n', /j7\.jsonl:1: micro-op 0 is named "sned"; expected "send" or "poll"/],
    ['j8.jsonl', 'poll result not a map', '{"type":"ok","process":0,"f":"poll","value":[["poll",[1,2]]]}\n', /j8\.jsonl:1: micro-op 0: poll result is a list of 2; expected a map/],
    ['j9.jsonl', 'pair not a pair', '{"type":"ok","process":0,"f":"poll","value":[["poll",{"1":[[0]]}]]}\n', /j9\.jsonl:1: micro-op 0, key "1": a list of 1; expected an \[offset, value\] pair/],
    ['j10.jsonl', 'op not a map', '[1,2]\n', /j10\.jsonl:1: op is a list of 2; expected a map/],
    ['j11.jsonl', 'object value', '{"type":"ok","process":0,"f":"send","value":[["send",1,{"a":1}]]}\n', /j11\.jsonl:1: micro-op 0: value is a object; expected a number or a string/],
    ['j12.jsonl', 'send inside a poll op', '{"type":"ok","process":0,"f":"poll","value":[["send",1,2]]}\n', /j12\.jsonl:1: micro-op 0 is a send in a poll op/],
  ])('%s: %s', async (name, _what, text, message) => {
    expect(await failure(file(name, text))).toMatch(message);
  });

  it('names the line of an unterminated EDN form', async () => {
    const path = file('u.edn', `${EDN.split('\n').slice(0, 2).join('\n')}\n{:index 2, :type :invoke\n`);
    expect(await failure(path)).toMatch(/u\.edn:3: malformed EDN: the form starting here is never closed/);
  });

  it('reports an unbalanced EDN bracket with its line', async () => {
    expect(await failure(file('b.edn', '{:index 0 :type :invoke :process 0 :f :poll :value [[:poll]]}\n]]\n'))).toMatch(/b\.edn:2: malformed EDN/);
  });

  it('rejects EDN ops with wrong fields like JSON ones', async () => {
    expect(await failure(file('t.edn', '{:index 0 :type :done :process 0 :f :poll :value [[:poll]]}\n'))).toMatch(/t\.edn:1: field "type" is "done"/);
  });

  it('says when the format cannot be told', async () => {
    await expect(all(file('x.txt', JSONL))).rejects.toThrow(/cannot tell the format/);
  });
});
