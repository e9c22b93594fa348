import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { EDNListParser } from 'edn-data/dist/parse.js';
import { BLANK, NOT_RECOGNISED, opLineJson, readEdnLine, readOpLine } from './edn-line.js';
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

/** An op as read, with where it came from. `text` is the op as JSON text (for JSON Lines,
 * the line itself), so a checker can hold a compact string instead of the object graph. */
export interface ParsedOp {
  readonly op: HistoryOp;
  /** 1-based line on which the op ends (for a JSON array file, the op's position). */
  readonly line: number;
  readonly text?: string;
  /**
   * Where the op's line is in the input, in bytes (absent where that is not known). JSON Lines:
   * `text` itself. EDN (`edn: true`): a one-line op read from a file (not a stream) by the fast
   * path, which reads the line back into the same op (see edn-line.ts, readOpLine).
   */
  readonly span?: { readonly offset: number; readonly bytes: number; readonly edn?: true };
}

/** A line longer than this is not a history op; stop before it exhausts the heap. */
const MAX_LINE = 64 * 1024 * 1024;

/**
 * The lines of a stream, a chunk's worth at a time (one promise per chunk, not per line), each
 * with the byte offset it starts at in the input (-1 once a line held U+FFFD: the input was
 * not valid UTF-8 there, and offsets counted from the decoded text are no longer the file's).
 */
interface LineBatch {
  readonly lines: string[];
  readonly starts: number[];
}

async function* lineBatches(input: Readable, name: string): AsyncGenerator<LineBatch> {
  let buf = '';
  let lineNo = 0;
  let pos = 0;
  let exact = true;
  const span = (line: string, terminator: number, starts: number[]): void => {
    if (exact && line.includes('\uFFFD')) exact = false;
    starts.push(exact ? pos : -1);
    pos += Buffer.byteLength(line, 'utf8') + terminator;
  };
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    const lines: string[] = [];
    const starts: number[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf('\n', start);
      if (nl < 0) break;
      const cr = nl > start && buf.charCodeAt(nl - 1) === 13;
      const line = cr ? buf.slice(start, nl - 1) : buf.slice(start, nl);
      lines.push(line);
      span(line, cr ? 2 : 1, starts);
      start = nl + 1;
    }
    lineNo += lines.length;
    buf = start === 0 ? buf : buf.slice(start);
    if (lines.length > 0) yield { lines, starts };
    if (buf.length > MAX_LINE) {
      throw new HistoryFormatError(`${name}:${lineNo + 1}: line is longer than ${MAX_LINE} characters; expected one op per line`);
    }
  }
  if (buf.length > 0) {
    const line = buf.endsWith('\r') ? buf.slice(0, -1) : buf;
    const starts: number[] = [];
    span(line, 0, starts);
    yield { lines: [line], starts };
  }
}

/**
 * Bytes read at a time. A batch's ops stay alive until the consumer has taken them all; at
 * 64 KiB (some 600 ops) a batch dies in V8's young generation, where at 1 MiB (some 9,000 ops
 * and their object graphs) it outlived scavenges, was promoted, and piled up in the old
 * generation: the checker's peak RSS while reading a 1M-op JSON Lines file fell from 338 MiB
 * to 248 MiB with 64 KiB, and its reading time from 4.5 s to 2.5 s in that run (on a shared
 * machine; bench/check.ts, spec/history.md).
 */
const READ_CHUNK = 1 << 16;

function open(input: string | Readable): { stream: Readable; name: string } {
  if (typeof input === 'string') {
    return { stream: createReadStream(input, { encoding: 'utf8', highWaterMark: READ_CHUNK }), name: input };
  }
  input.setEncoding?.('utf8');
  return { stream: input, name: '<stream>' };
}

function located(name: string, line: number, e: unknown): never {
  if (e instanceof HistoryFormatError) throw new HistoryFormatError(`${name}:${line}: ${e.message}`);
  throw e;
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

async function* readJsonLines(input: AsyncIterable<LineBatch>, name: string): AsyncGenerator<ParsedOp[]> {
  let lineNo = 0;
  let ordinal = 0;
  for await (const { lines: texts, starts } of input) {
    const out: ParsedOp[] = [];
    for (let t = 0; t < texts.length; t++) {
      const text = texts[t]!;
      lineNo++;
      if (isBlank(text)) continue;
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
      const offset = starts[t]!;
      out.push(offset >= 0 ? { op, line: lineNo, text, span: { offset, bytes: Buffer.byteLength(text, 'utf8') } } : { op, line: lineNo, text });
    }
    if (out.length > 0) yield out;
  }
}

async function* readJson(stream: Readable, name: string): AsyncGenerator<ParsedOp[]> {
  // Peek at the first non-blank line: an array file is parsed whole; anything else is JSON Lines.
  const it = lineBatches(stream, name)[Symbol.asyncIterator]();
  const peeked: LineBatch[] = [];
  let isArray = false;
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    peeked.push(r.value);
    const firstText = r.value.lines.find((l) => !isBlank(l));
    if (firstText !== undefined) {
      isArray = firstText.trimStart().startsWith('[');
      break;
    }
  }
  async function* rest(): AsyncGenerator<LineBatch> {
    yield* peeked;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  if (!isArray) {
    yield* readJsonLines(rest(), name);
    return;
  }
  const parts: string[] = [];
  for await (const { lines } of rest()) for (const l of lines) parts.push(l);
  let raw: unknown;
  try {
    raw = JSON.parse(parts.join('\n'));
  } catch (e) {
    throw new HistoryFormatError(`${name}: not valid JSON (${(e as Error).message}); expected an array of op objects, or one op per line`);
  }
  if (!Array.isArray(raw)) throw new HistoryFormatError(`${name}: expected an array of op objects`);
  const out: ParsedOp[] = [];
  for (let i = 0; i < raw.length; i++) {
    try {
      out.push({ op: normalizeOp(raw[i], i), line: i + 1 });
    } catch (e) {
      if (e instanceof HistoryFormatError) throw new HistoryFormatError(`${name}: op ${i}: ${e.message}`);
      throw e;
    }
  }
  yield out;
}

/** Whether edn-data sits between forms, holding nothing: a whole line may then be read without it. */
function isIdle(parser: EDNListParser): boolean {
  return parser.stack.length === 0 && parser.mode === 0 && parser.state === '' && parser.result === undefined && !parser.isDone();
}

/**
 * @param spans whether to give fast-path ops their span rather than their text: when the input
 *   is a file, a checker can read the few ops it reports back from it, and hold no text (for a
 *   1M-op history.edn, some 70 MB less).
 */
async function* readEdn(stream: Readable, name: string, fastPath: boolean, spans: boolean): AsyncGenerator<ParsedOp[]> {
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
  const emit = (v: unknown, out: ParsedOp[]): void => {
    // A whole history wrapped in [...] or (...): its elements are the ops.
    const items = Array.isArray(v) ? v : [v];
    for (const item of items) {
      let op: HistoryOp;
      try {
        op = normalizeOp(item, ordinal++);
      } catch (e) {
        located(name, lineNo, e);
      }
      // Kept as JSON text: a checker holds the string, not the object graph.
      out.push({ op, line: lineNo, text: JSON.stringify(op) });
    }
    formStart = lineNo + 1;
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
  for await (const { lines: texts, starts } of lineBatches(stream, name)) {
    const out: ParsedOp[] = [];
    for (let t = 0; t < texts.length; t++) {
      const text = texts[t]!;
      lineNo++;
      // The fast path, for a line met while edn-data holds nothing (edn-data then stays as
      // it was): an op in Jepsen's usual shape is read straight into its HistoryOp; a line
      // in readEdnLine's subset into what edn-data would have read; the rest goes to edn-data.
      if (fastPath && isIdle(parser)) {
        const op = readOpLine(text, ordinal);
        if (op !== NOT_RECOGNISED) {
          ordinal++;
          const offset = starts[t]!;
          out.push(spans && offset >= 0
            ? { op, line: lineNo, span: { offset, bytes: Buffer.byteLength(text, 'utf8'), edn: true } }
            : { op, line: lineNo, text: opLineJson(op) });
          formStart = lineNo + 1;
          continue;
        }
        const v = readEdnLine(text);
        if (v === BLANK) continue;
        if (v !== NOT_RECOGNISED) {
          emit(v, out);
          continue;
        }
      }
      for (const v of feed(`${text}\n`)) emit(v, out);
      if (parser.isDone() && /\S/.test(text.slice(text.lastIndexOf(')') + 1))) {
        throw new HistoryFormatError(`${name}:${lineNo}: malformed EDN: text after an unmatched ')'`);
      }
    }
    if (out.length > 0) yield out;
  }
  const last: ParsedOp[] = [];
  for (const v of feed(' ')) emit(v, last);
  yield last;
  if (!parser.isDone() && (parser.stack.length > 0 || parser.mode !== 0)) {
    throw new HistoryFormatError(`${name}:${formStart}: malformed EDN: the form starting here is never closed`);
  }
}

/** How to read. */
export interface ReadOptions {
  /**
   * EDN only: read lines in the common shapes without edn-data (see edn-line.ts). On by
   * default; the output is the same either way (off is for comparing the two).
   */
  readonly ednFastPath?: boolean;
}

/**
 * Reads a history in batches (one per chunk read), streaming: ops come out as they are
 * read, and a file of millions of ops is never held whole (except a JSON array file, or an
 * EDN file wrapped in one list). Malformed input throws HistoryFormatError with
 * `file:line: what was wrong`.
 */
export function readHistoryBatches(input: string | Readable, format: HistoryFormat, options: ReadOptions = {}): AsyncGenerator<ParsedOp[]> {
  const { stream, name } = open(input);
  switch (format) {
    case 'jsonl':
      return readJsonLines(lineBatches(stream, name), name);
    case 'json':
      return readJson(stream, name);
    case 'edn':
      return readEdn(stream, name, options.ednFastPath !== false, typeof input === 'string');
  }
}

/** As readHistoryBatches, one op at a time. */
export async function* readHistory(input: string | Readable, format: HistoryFormat, options: ReadOptions = {}): AsyncGenerator<ParsedOp> {
  for await (const batch of readHistoryBatches(input, format, options)) yield* batch;
}

/**
 * Whether a string given as a history is the history itself rather than a file name: it spans
 * lines, or starts the way a history does (`{` an op, `[` a JSON array, `(` an EDN list). No file
 * name this project writes looks like that, and a one-line history is a form, not a name.
 */
export function isHistoryText(s: string): boolean {
  return s.includes('\n') || /^\s*[[{(]/.test(s);
}

/**
 * The ops of a history, in order, validated. `input` is a file name, the history's text itself
 * (`parseHistory(text, 'edn')`: see isHistoryText), or a stream. `format` defaults to the one a
 * file name implies; text and streams need it said.
 */
export async function* parseHistory(input: string | Readable, format?: HistoryFormat): AsyncGenerator<HistoryOp> {
  const text = typeof input === 'string' && isHistoryText(input);
  const fmt = format ?? (typeof input === 'string' && !text ? formatFromPath(input) : undefined);
  if (fmt === undefined) {
    throw new HistoryFormatError(`${typeof input !== 'string' ? '<stream>' : text ? '<text>' : input}: cannot tell the format; name the file .edn, .jsonl or .json, or pass a format`);
  }
  const source = text ? Readable.from([input]) : input;
  for await (const batch of readHistoryBatches(source, fmt)) for (const p of batch) yield p.op;
}
