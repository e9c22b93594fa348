import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { EDNListParser } from 'edn-data/dist/parse.js';
import { HistoryFormatError, normalizeOp } from './normalize.js';
import type { HistoryOp } from './types.js';

/**
 * History files. `jsonl`: one op per line (spec/history.md). `json`: the same, or one JSON
 * array of ops. `edn`: Jepsen's history.edn, one map per line as Jepsen writes it (a file
 * wrapped in [...] or (...) is accepted too, but is then held in memory whole).
 */
export type HistoryFormat = 'edn' | 'jsonl' | 'json';
export const HISTORY_FORMATS: readonly HistoryFormat[] = ['edn', 'jsonl', 'json'];

/** The format a file name implies (.edn, .jsonl / .ndjson, .json), if any. */
export function formatFromPath(path: string): HistoryFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.edn')) return 'edn';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** An op as read, with where it came from. `text` is the JSON line, kept so a checker can
 * hold a compact string instead of the object graph. */
export interface ParsedOp {
  readonly op: HistoryOp;
  /** 1-based line on which the op ends (for a JSON array file, the op's position). */
  readonly line: number;
  readonly text?: string;
}

/** A line longer than this is not a history op; stop before it exhausts the heap. */
const MAX_LINE = 64 * 1024 * 1024;

async function* lines(input: Readable, name: string): AsyncGenerator<string> {
  let buf = '';
  let lineNo = 0;
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0) break;
      lineNo++;
      yield buf.charCodeAt(nl - 1) === 13 && nl > start ? buf.slice(start, nl - 1) : buf.slice(start, nl);
      start = nl + 1;
    }
    buf = start === 0 ? buf : buf.slice(start);
    if (buf.length > MAX_LINE) {
      throw new HistoryFormatError(`${name}:${lineNo + 1}: line is longer than ${MAX_LINE} characters; expected one op per line`);
    }
  }
  if (buf.length > 0) yield buf.endsWith('\r') ? buf.slice(0, -1) : buf;
}

function open(input: string | Readable): { stream: Readable; name: string } {
  if (typeof input === 'string') {
    return { stream: createReadStream(input, { encoding: 'utf8', highWaterMark: 1 << 20 }), name: input };
  }
  input.setEncoding?.('utf8');
  return { stream: input, name: '<stream>' };
}

function located(name: string, line: number, e: unknown): never {
  if (e instanceof HistoryFormatError) throw new HistoryFormatError(`${name}:${line}: ${e.message}`);
  throw e;
}

async function* readJsonLines(input: AsyncIterable<string>, name: string): AsyncGenerator<ParsedOp> {
  let lineNo = 0;
  let ordinal = 0;
  for await (const text of input) {
    lineNo++;
    if (text.length === 0 || /^\s*$/.test(text)) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new HistoryFormatError(`${name}:${lineNo}: not valid JSON (${(e as Error).message}); expected one op object per line`);
    }
    let op: HistoryOp;
    try {
      op = normalizeOp(raw, ordinal++);
    } catch (e) {
      located(name, lineNo, e);
    }
    yield { op, line: lineNo, text };
  }
}

async function* readJson(stream: Readable, name: string): AsyncGenerator<ParsedOp> {
  // Peek: an array file is parsed whole; anything else is JSON Lines.
  const it = lines(stream, name)[Symbol.asyncIterator]();
  const first: string[] = [];
  let isArray: boolean | undefined;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value);
    const t = r.value.trimStart();
    if (t.length > 0) {
      isArray = t.startsWith('[');
      break;
    }
  }
  async function* rest(): AsyncGenerator<string> {
    yield* first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (isArray !== true) {
    yield* readJsonLines(rest(), name);
    return;
  }
  let text = '';
  for await (const l of rest()) text += `${l}\n`;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new HistoryFormatError(`${name}: not valid JSON (${(e as Error).message}); expected an array of op objects, or one op per line`);
  }
  if (!Array.isArray(raw)) throw new HistoryFormatError(`${name}: expected an array of op objects`);
  for (let i = 0; i < raw.length; i++) {
    let op: HistoryOp;
    try {
      op = normalizeOp(raw[i], i);
    } catch (e) {
      if (e instanceof HistoryFormatError) throw new HistoryFormatError(`${name}: op ${i}: ${e.message}`);
      throw e;
    }
    yield { op, line: i + 1 };
  }
}

async function* readEdn(stream: Readable, name: string): AsyncGenerator<ParsedOp> {
  const parser = new EDNListParser({
    mapAs: 'map',
    setAs: 'array',
    listAs: 'array',
    keywordAs: 'string',
    symbolAs: 'string',
    charAs: 'string',
  });
  // The parser treats the first '(' it meets as the opening of the whole stream. Open it
  // ourselves, so a list inside the first op is read as a list; top-level forms then come
  // out one by one as they complete.
  parser.next('(');
  let lineNo = 0;
  let ordinal = 0;
  let formStart = 1;
  const emit = function* (values: unknown[]): Generator<ParsedOp> {
    for (const v of values) {
      // A whole history wrapped in [...] or (...): its elements are the ops.
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        let op: HistoryOp;
        try {
          op = normalizeOp(item, ordinal++);
        } catch (e) {
          located(name, lineNo, e);
        }
        yield { op, line: lineNo };
      }
      formStart = lineNo + 1;
    }
  };
  const feed = (text: string): unknown[] => {
    if (parser.isDone()) {
      if (/\S/.test(text)) throw new HistoryFormatError(`${name}:${lineNo}: malformed EDN: text after an unmatched ')'`);
      return [];
    }
    try {
      return parser.next(text) as unknown[];
    } catch (e) {
      throw new HistoryFormatError(`${name}:${lineNo}: malformed EDN (${e instanceof TypeError ? 'unbalanced bracket' : (e as Error).message}); expected one op map per line`);
    }
  };
  for await (const text of lines(stream, name)) {
    lineNo++;
    yield* emit(feed(`${text}\n`));
    if (parser.isDone() && /\S/.test(text.slice(text.lastIndexOf(')') + 1))) {
      throw new HistoryFormatError(`${name}:${lineNo}: malformed EDN: text after an unmatched ')'`);
    }
  }
  yield* emit(feed(' '));
  if (!parser.isDone() && (parser.stack.length > 0 || parser.mode !== 0)) {
    throw new HistoryFormatError(`${name}:${formStart}: malformed EDN: the form starting here is never closed`);
  }
}

/**
 * Reads a history, streaming: ops come out as they are read, and a file of millions of ops
 * is never held whole (except a JSON array file, or an EDN file wrapped in one list).
 * Malformed input throws HistoryFormatError with `file:line: what was wrong`.
 */
export function readHistory(input: string | Readable, format: HistoryFormat): AsyncGenerator<ParsedOp> {
  const { stream, name } = open(input);
  switch (format) {
    case 'jsonl':
      return readJsonLines(lines(stream, name), name);
    case 'json':
      return readJson(stream, name);
    case 'edn':
      return readEdn(stream, name);
  }
}

/**
 * The ops of a history file or stream, in order, validated. `format` defaults to the one the
 * file name implies; a stream needs it said.
 */
export async function* parseHistory(input: string | Readable, format?: HistoryFormat): AsyncGenerator<HistoryOp> {
  const fmt = format ?? (typeof input === 'string' ? formatFromPath(input) : undefined);
  if (fmt === undefined) {
    throw new HistoryFormatError(`${typeof input === 'string' ? input : '<stream>'}: cannot tell the format; name the file .edn, .jsonl or .json, or pass a format`);
  }
  for await (const p of readHistory(input, fmt)) yield p.op;
}
