import { Readable } from 'node:stream';
import { EDNListParser } from 'edn-data/dist/parse.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BLANK, NOT_RECOGNISED, opLineJson, readEdnLine, readOpLine } from '../../../src/oracle/history/edn-line.js';
import { HistoryFormatError, normalizeOp } from '../../../src/oracle/history/normalize.js';
import { readHistory } from '../../../src/oracle/history/parse.js';

/**
 * The EDN fast path (src/oracle/history/edn-line.ts) must read every line it recognises
 * exactly as edn-data and normalizeOp do, and leave every other line to them: here both
 * readers are compared line by line on a varied corpus, and whole files read with and
 * without the fast path are compared, ops, text and error messages alike.
 */

/** edn-data, set up as readEdn sets it up, fed one line on its own. */
function library(line: string): { values: unknown[]; idle: boolean } | { thrown: string } {
  const parser = new EDNListParser({ mapAs: 'map', setAs: 'array', listAs: 'array', keywordAs: 'string', symbolAs: 'string', charAs: 'string' });
  parser.next('(');
  let values: unknown[];
  try {
    values = parser.next(`${line}\n`) as unknown[];
  } catch (e) {
    return { thrown: String(e) };
  }
  const idle = parser.stack.length === 0 && parser.mode === 0 && parser.state === '' && parser.result === undefined && !parser.isDone();
  return { values, idle };
}

function normalized(raw: unknown, ordinal: number): { op: unknown; text: string } | { error: string } {
  try {
    const op = normalizeOp(raw, ordinal);
    return { op, text: JSON.stringify(op) };
  } catch (e) {
    if (e instanceof HistoryFormatError) return { error: e.message };
    throw e;
  }
}

/** Jepsen's usual lines: the fast op reader should take every one of them. */
const JEPSEN = [
  '{:type :invoke, :f :send, :value [[:send 3 5]], :time 123, :process 0, :index 12}',
  '{:process 0, :type :invoke, :f :send, :value [[:send 3 5]], :index 12, :time 123}',
  '{:type :ok, :f :send, :value [[:send 15 [0 18]]], :time 101000, :process 13, :index 100}',
  '{:type :info, :f :send, :value [[:send 4 [nil 2]]], :time 5, :process 2, :index 6}',
  '{:type :fail, :f :send, :value [[:send 4 2] [:send 5 3]], :time 5, :process 2, :index 6}',
  '{:type :invoke, :f :poll, :value [[:poll]], :time 500000000, :process 14, :index 499999}',
  '{:type :ok, :f :poll, :value [[:poll {3 [[0 1] [1 2]], 4 [], 10 [[7 -5]]}]], :time 1, :process 1, :index 3}',
  '{:type :ok, :f :poll, :value [[:poll {}]], :time 1, :process 1, :index 3}',
  '{:type :ok, :f :poll, :value [[:poll nil]], :time 1, :process 1, :index 3}',
  '{:type :ok, :f :txn, :value [[:send 1 [3 9]] [:poll {1 [[2 8] [3 9]]}] [:send 2 4]], :time 9, :process 7, :index 40}',
  '{:type :invoke, :f :assign, :value [3 4], :time 0, :process 4, :index 8}',
  '{:type :ok, :f :subscribe, :value [], :time 0, :process 4, :index 8}',
  '{:type :ok, :f :send, :value nil, :time nil, :process 0}',
  '{:index 7 :time 800 :type :invoke :process 3 :f :poll :value [[:poll]]}',
  '\t{:index 0,:type :invoke,:process -1,:f :send,:value [[:send -3 -0]],:time -5} , ',
  '{:index 1 :type :ok :process 0 :f :send :value [[:send 123456789012345 [123456789012345 -123456789012345]]]}',
  '{:type :ok, :f :poll, :value [[:poll {-3 [[0 1]], 0 [[nil 2]], 4294967295 [], 4294967294 []}]], :process 1}',
];

/** Lines the op reader must leave alone; the subset reader may take some. Valid and invalid EDN, valid and invalid ops. */
const TRICKY = [
  '',
  '   ,, \t',
  '; a comment line',
  '{:index 0, :type :ok, :process 0, :f :send, :value [[:send 1 2]]} ; a trailing comment',
  '{:index 0, :type :ok, :process 0, :f :poll, :value [[:poll {3 [[0 1]]}]], :rebalance-log ({:keys #{3}, :other "x"})}',
  '{:index 0, :type :ok, :process 0, :f :poll, :value [[:poll]], :rebalance-log [{:keys [1 2]} {:keys #{}}]}',
  '{:index 6, :time 700, :type :info, :process 2, :f :send, :value [[:send 4 [nil 2]]], :error [:timeout "no answer"]}',
  '{:index 6, :type :fail, :process 2, :f :send, :value [[:send 4 2]], :error "quote \\" and newline \\n and tab \\t"}',
  '{:index 6, :type :fail, :process 2, :f :send, :value [[:send 4 2]], :error "\\u00e9t\\u00E9 \\\\ \\b\\f\\r"}',
  '{:index 6, :type :fail, :process 2, :f :send, :value [[:send 4 2]], :error "bad escape \\q"}',
  '{:index 6, :type :fail, :process 2, :f :send, :value [[:send 4 2]], :error "h\u00e9llo \ud83d\ude00"}',
  '{:index 4, :time 500, :type :info, :process :nemesis, :f :start-partition, :value {"n1" #{"n2"}, :grudge {:a [1 2]}}}',
  '{:index 4, :type :info, :process :nemesis, :f :kill, :value nil}',
  '{:index 4, :type :info, :process "nemesis", :f :kill, :value [:n1 :n2]}',
  '{:index 9, :type :ok, :process 0, :f :send, :value [[:send :jepsen.history/k "v"]], :jepsen.history/extra true}',
  '{:index 9, :type :ok, :process 0, :f :send, :value [[:send "k" "v"]]}',
  '{:index 9, :type :ok, :process 0, :f :poll, :value [[:poll {"k" [[0 "v"]], "__proto__" [[1 2]]}]]}',
  '{:index 9, :type :ok, :process 0, :f :poll, :value [[:poll {3 [[0 1]], "3" [[1 2]]}]]}',
  '{:index 9, :type :ok, :process 0, :f :poll, :value [[:poll {3 [[0 1]], 3 [[1 2]]}]]}',
  '{:index 9, :type :ok, :process 0, :f :poll, :value [[:poll {3 ([0 1]), 4 #{[1 2]}}]]}',
  '#jepsen.history.Op{:index 8, :time 900, :type :invoke, :process 4, :f :assign, :value [3 4]}',
  '{:index 8, :type :invoke, :process 4, :f :assign, :value [3 4], :time #inst "2020-01-01T00:00:00Z"}',
  '{:index 8, :type :invoke, :process 4, :f :assign, :value [3 #_4 5]}',
  '{:index 8, :type :invoke, :process 4, :f :assign, :value (3 4)}',
  '{:index 8, :type :invoke, :process 4, :f :crash, :value nil}',
  '{:index 8, :type :invoke, :process 4, :f :debug-topic-partitions, :value {0 {:leader 1}}}',
  '{:value [[:send 1 2]], :f :send, :type :invoke, :process 0}',
  '{:type :ok, :type :fail, :process 0, :f :send, :value [[:send 1 2]]}',
  '{:type :ok, :process 0, :process 1, :f :send, :value [[:send 1 2]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2]], :index 1.5}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2.5]], :time 1e3}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 +5]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 007]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 12N]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 9007199254740993]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 1234567890123456]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 1/2]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 foo]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 \\a]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 true]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 nil]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 [-1 5]]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 [0 1 2]]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1]]}',
  '{:type :ok, :process 0, :f :send, :value [[:poll]]}',
  '{:type :ok, :process 0, :f :poll, :value [[:send 1 2]]}',
  '{:type :ok, :process 0, :f :txn, :value [[:sned 1 2]]}',
  '{:type :ok, :process 0, :f :txn, :value [["send" 1 2] [send 1 3]]}',
  '{:type :ok, :process 0, :f :poll, :value [[:poll [1 2]]]}',
  '{:type :ok, :process 0, :f :poll, :value [[:poll {1 [[0]]}]]}',
  '{:type :ok, :process 0, :f :poll, :value [[:poll {} {}]]}',
  '{:type :okay, :process 0, :f :send, :value []}',
  '{:type :ok/x, :process 0, :f :send, :value []}',
  '{:type :ok, :process 0, :f :write, :value []}',
  '{:type :ok, :process 0, :f :send}',
  '{:type :ok, :f :send, :value []}',
  '{:type :ok, :process 0, :f :send, :value [] :time}',
  '{:type :ok, :process 0, :f :send, :value []}{:type :ok, :process 1, :f :send, :value []}',
  '{:type :ok, :process 0, :f :send, :value []} x',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2]] :index 1',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2]] :index 1]',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2}}',
  '{:type :ok, :process 0, :f :send, :value[[:send 1 2]]}',
  '{:type :ok, :process 0, :f :send, :value [[:send 1 2]]:index 3}',
  '{:type :ok :process 0 :f :send :value [[:send 1 "two words"]] :error "a;b"}',
  '{:type :ok :process 0 :f :send :value [[:send 1 "an unclosed string]]}',
  '{:a}',
  '{}',
  '{nil nil, true false, [1 2] {:x #{}}}',
  `{:deep ${'['.repeat(150)}${']'.repeat(150)}}`,
  '42',
  ':kw',
  '"a string"',
  'nil',
  '[1 2]',
  '[{:type :invoke :process 0 :f :poll :value [[:poll]]}]',
  ')',
  ']]',
  '}',
  '{:index 2, :type :invoke',
  '(',
];

/**
 * What the two fast readers make of a line, checked against edn-data (and normalizeOp):
 * whatever they recognise, edn-data reads alone on the line as the same single form, and is
 * left idle (so the next line starts as it would have).
 */
function agree(line: string, ordinal = 5): { op: boolean; form: boolean } {
  const lib = library(line);
  const op = readOpLine(line, ordinal);
  const form = readEdnLine(line);
  if (op !== NOT_RECOGNISED || (form !== NOT_RECOGNISED && form !== BLANK)) {
    expect(lib, line).toHaveProperty('values');
    if (!('values' in lib)) return { op: false, form: false };
    expect(lib.values, line).toHaveLength(1);
    expect(lib.idle, line).toBe(true);
    if (op !== NOT_RECOGNISED) {
      const want = normalized(lib.values[0], ordinal);
      expect(want, line).toStrictEqual({ op, text: JSON.stringify(op) });
      expect(opLineJson(op), line).toBe(JSON.stringify(op));
    }
    if (form !== NOT_RECOGNISED) expect(form, line).toStrictEqual(lib.values[0]);
  } else if (form === BLANK) {
    expect(lib, line).toStrictEqual({ values: [], idle: true });
  }
  return { op: op !== NOT_RECOGNISED, form: form !== NOT_RECOGNISED && form !== BLANK };
}

describe('the fast path agrees with edn-data line by line', () => {
  it('reads every Jepsen-shaped op straight into the op normalizeOp makes', () => {
    for (const [i, line] of JEPSEN.entries()) expect(agree(line, i), line).toEqual({ op: true, form: true });
  });

  it('keeps poll results prototype-less, in the order normalizeOp gives their keys', () => {
    const op = readOpLine(JEPSEN[16]!, 0);
    if (op === NOT_RECOGNISED) throw new Error('not recognised');
    const result = (op.value as [['poll', Record<string, unknown>]])[0][1];
    expect(Object.getPrototypeOf(result)).toBeNull();
    expect(Object.keys(result)).toEqual(['0', '4294967294', '-3', '4294967295']);
  });

  it.each(TRICKY.map((line) => [line]))('%s', (line) => {
    agree(line);
  });

  it('recognises the common lines and declines the exotic ones', () => {
    const ops = TRICKY.filter((l) => agree(l).op);
    // Valid EDN that still reads as a valid op of the usual shape, with a closing bracket for a delimiter.
    expect(ops).toEqual(['{:type :ok, :process 0, :f :send, :value [[:send 1 2]]:index 3}']);
    const forms = TRICKY.filter((l) => agree(l).form);
    expect(forms).toContain(TRICKY[4]); // :rebalance-log with a list, a set and a string
    expect(forms).toContain(TRICKY[6]); // :error [:timeout "no answer"]
    expect(forms).toContain(TRICKY[11]); // a nemesis op with nested maps
    expect(forms).toContain('{nil nil, true false, [1 2] {:x #{}}}');
    expect(forms).not.toContain(TRICKY[7]); // escapes: edn-data's
    expect(forms).not.toContain(TRICKY[20]); // a tagged literal
    expect(forms).not.toContain(TRICKY[3]); // a comment
    expect(forms).not.toContain('42'); // a bare token at the top: edn-data hands it out a line late
  });
});

async function readAll(text: string, ednFastPath: boolean): Promise<{ ops: unknown[]; error?: string }> {
  const ops: unknown[] = [];
  try {
    for await (const p of readHistory(Readable.from([text]), 'edn', { ednFastPath })) ops.push(p);
  } catch (e) {
    if (e instanceof HistoryFormatError) return { ops, error: e.message };
    throw e;
  }
  return { ops };
}

async function expectSame(text: string): Promise<void> {
  const slow = await readAll(text, false);
  const fast = await readAll(text, true);
  expect(fast, text).toStrictEqual(slow);
}

describe('whole files read the same with and without the fast path', () => {
  it('a history of Jepsen lines and tricky lines, valid ones first', async () => {
    const valid = [...JEPSEN, ...TRICKY.slice(0, 9), ...TRICKY.slice(10, 21), ...TRICKY.slice(22, 26)];
    await expectSame(valid.join('\n'));
    await expectSame(`${valid.join('\r\n')}\r\n`);
    const ok = await readAll(valid.join('\n'), true);
    expect(ok.error).toBeUndefined();
    expect(ok.ops.length).toBeGreaterThan(30);
  });

  it('every tricky line, after some good ones, fails (or not) the same way', async () => {
    for (const line of TRICKY) await expectSame(`${JEPSEN.slice(0, 3).join('\n')}\n${line}\n${JEPSEN.slice(3, 6).join('\n')}\n`);
  });

  it('forms spread over lines, bare tokens and wrapped histories', async () => {
    await expectSame('{:type :invoke, :process 0,\n :f :send, :value [[:send 1 2]]}\n' + JEPSEN[0]);
    await expectSame(`42\n${JEPSEN[0]}\n`);
    await expectSame(`"str"\n${JEPSEN[0]}\n`);
    await expectSame(`[\n${JEPSEN.join('\n')}\n]\n`);
    await expectSame(`(${JEPSEN[0]}\n${JEPSEN[1]})\n${JEPSEN[2]}\n`);
    await expectSame(`${JEPSEN[0]}\n{:index 2, :type :invoke\n${JEPSEN[1]}\n`);
    await expectSame(`${JEPSEN[0]}\n#_\n${JEPSEN[1]}\n${JEPSEN[2]}\n`);
    await expectSame(`${JEPSEN[0]}\n#jepsen.history.Op\n${JEPSEN[1]}\n`);
    await expectSame(`${JEPSEN[0]}\n"an unclosed\n string" ${JEPSEN[1]}\n${JEPSEN[2]}\n`);
    await expectSame(`${JEPSEN[0]}\n; comment {:not an op}\n${JEPSEN[1]}`);
  });

  it('random mutations of Jepsen lines', async () => {
    const alphabet = [...'{}[]()#_:;"\\ ,\t0123456789-+.Nnilsendpoll/'];
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('insert', 'delete', 'replace'),
      char: fc.constantFrom(...alphabet),
    });
    const line = fc
      .tuple(fc.constantFrom(...JEPSEN, ...TRICKY), fc.array(mutation, { maxLength: 3 }))
      .map(([base, ms]) => {
        let s = base;
        for (const m of ms) {
          const at = s.length === 0 ? 0 : m.at % s.length;
          if (m.kind === 'insert') s = s.slice(0, at) + m.char + s.slice(at);
          else if (m.kind === 'delete') s = s.slice(0, at) + s.slice(at + 1);
          else s = s.slice(0, at) + m.char + s.slice(at + 1);
        }
        return s;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 6 }), async (lines) => {
        await expectSame(`${lines.join('\n')}\n`);
      }),
      { numRuns: 400, seed: 20251125 },
    );
  });
});
