/**
 * The fast path of the EDN reader (spec/history.md §2): Jepsen writes history.edn one op map
 * per line, and edn-data's character-by-character parser costs about 10 µs a line, most of
 * the time of checking an EDN history. Two readers go ahead of it, for a line met while
 * edn-data holds nothing (see readEdn):
 *
 * - readOpLine reads an op in the shapes Jepsen's Kafka workload writes straight into the
 *   HistoryOp that normalizeOp would make of edn-data's reading of it, and opLineJson gives
 *   its JSON text;
 * - readEdnLine reads any other map in a subset of EDN into exactly what edn-data returns for
 *   it (with the options readEdn uses), for normalizeOp to judge.
 *
 * Each returns NOT_RECOGNISED for a line outside what it knows, valid or not, and the line
 * then goes on to the next reader, and last to edn-data, which says what is wrong with it.
 * What they know is kept small so that agreeing with edn-data is easy to check:
 * test/oracle/history/edn-line.test.ts compares them on a varied corpus and on random
 * mutations of it, line by line and file by file.
 */

import type { HistoryOp, Key, Mop, OffsetValue, OpF, OpType, PollResult, Value } from './types.js';

/** The line is outside what the reader knows: hand it on. */
export const NOT_RECOGNISED: unique symbol = Symbol('not recognised');
/** The line holds no form, only whitespace. */
export const BLANK: unique symbol = Symbol('blank');

const FAIL: unique symbol = Symbol('fail');
type Read = unknown;

/** The line being read and where in it (the readers are synchronous: one line at a time). */
let src = '';
let pos = 0;
let depth = 0;
/** Deeper nesting is edn-data's (it does not recurse). */
const MAX_DEPTH = 100;

/** EDN whitespace: space, tab, CR, LF and comma. */
function isSpace(c: number): boolean {
  return c === 32 || c === 44 || c === 9 || c === 13 || c === 10;
}

function skipSpace(): void {
  while (pos < src.length && isSpace(src.charCodeAt(pos))) pos++;
}

/**
 * Whether a token ending at `at` ends there for edn-data, and this reader can go on: at
 * whitespace, a closing bracket or the end of the line. (edn-data ends tokens at more
 * characters; a token ended by any other is left to it.)
 */
function tokenEndsAt(at: number): boolean {
  if (at >= src.length) return true;
  const c = src.charCodeAt(at);
  return isSpace(c) || c === 93 || c === 125 || c === 41;
}

function atTokenEnd(): boolean {
  return tokenEndsAt(pos);
}

/** Characters a keyword may hold here: letters, digits and * + ! - _ ? < > = / . & % $ */
function isKeywordChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || // a-z
    (c >= 65 && c <= 90) || // A-Z
    (c >= 48 && c <= 57) || // 0-9
    c === 45 || // -
    c === 95 || // _
    c === 46 || // .
    c === 47 || // /
    c === 42 || // *
    c === 43 || // +
    c === 33 || // !
    c === 63 || // ?
    c === 60 || // <
    c === 62 || // >
    c === 61 || // =
    c === 38 || // &
    c === 37 || // %
    c === 36 // $
  );
}

function readKeyword(): Read {
  const start = ++pos; // past ':'
  while (pos < src.length && isKeywordChar(src.charCodeAt(pos))) pos++;
  if (pos === start || !atTokenEnd()) return FAIL;
  return src.slice(start, pos);
}

/** -?(0|[1-9][0-9]*), at most 15 digits (always a safe integer), as parseInt reads it. */
function readInteger(): Read {
  let negative = false;
  if (src.charCodeAt(pos) === 45) {
    negative = true;
    pos++;
  }
  const start = pos;
  let n = 0;
  while (pos < src.length) {
    const c = src.charCodeAt(pos);
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    pos++;
  }
  const digits = pos - start;
  if (digits === 0 || digits > 15 || (digits > 1 && src.charCodeAt(start) === 48) || !atTokenEnd()) return FAIL;
  return negative ? -n : n;
}

function readWord(word: string, value: Read): Read {
  if (!src.startsWith(word, pos)) return FAIL;
  pos += word.length;
  return atTokenEnd() ? value : FAIL;
}

function readString(): Read {
  const start = ++pos; // past '"'
  for (; pos < src.length; pos++) {
    const c = src.charCodeAt(pos);
    if (c === 34) return src.slice(start, pos++);
    if (c === 92) return FAIL; // an escape: edn-data's business
  }
  return FAIL; // not closed on this line
}

/** The elements up to `close` (a vector, list or set), as an array. */
function readSeq(close: number): Read {
  pos++; // past the opening bracket
  if (++depth > MAX_DEPTH) return FAIL;
  const out: unknown[] = [];
  for (;;) {
    skipSpace();
    if (pos >= src.length) return FAIL;
    if (src.charCodeAt(pos) === close) {
      pos++;
      depth--;
      return out;
    }
    const v = readValue();
    if (v === FAIL) return FAIL;
    out.push(v);
  }
}

/** A map, as edn-data builds it: new Map(pairs), a repeated key keeping its first place and last value. */
function readMap(): Read {
  pos++; // past '{'
  if (++depth > MAX_DEPTH) return FAIL;
  const out = new Map<unknown, unknown>();
  for (;;) {
    skipSpace();
    if (pos >= src.length) return FAIL;
    if (src.charCodeAt(pos) === 125) {
      pos++;
      depth--;
      return out;
    }
    const k = readValue();
    if (k === FAIL) return FAIL;
    skipSpace();
    if (pos >= src.length || src.charCodeAt(pos) === 125) return FAIL; // a key with no value
    const v = readValue();
    if (v === FAIL) return FAIL;
    out.set(k, v);
  }
}

function readValue(): Read {
  const c = src.charCodeAt(pos);
  switch (c) {
    case 123: // {
      return readMap();
    case 91: // [
      return readSeq(93);
    case 40: // (
      return readSeq(41);
    case 35: // #{ a set; any other # (tags, #_, #inst) is edn-data's
      if (src.charCodeAt(pos + 1) !== 123) return FAIL;
      pos++;
      return readSeq(125);
    case 58: // :
      return readKeyword();
    case 34: // "
      return readString();
    case 110: // n
      return readWord('nil', null);
    case 116: // t
      return readWord('true', true);
    case 102: // f
      return readWord('false', false);
    default:
      if (c === 45 || (c >= 48 && c <= 57)) return readInteger();
      return FAIL;
  }
}

/**
 * The one map on a line of EDN, as edn-data would read it (maps as Map, vectors, lists and
 * sets as arrays, keywords as strings without the colon, nil as null); BLANK when the line
 * holds only whitespace; else NOT_RECOGNISED. The subset: maps, vectors, lists, sets, nil,
 * true, false, keywords of plain characters, canonical integers of up to 15 digits, and
 * strings without a backslash, nested at most 100 deep, with spaces, tabs and commas around.
 * Not: floats, symbols, characters, tags, comments, escapes, a second form, a form left open
 * or closed with the wrong bracket.
 *
 * Only a map is recognised at the top: edn-data hands out a top-level map (or any closed
 * form) when the line ends, but a bare token such as `42` only when the next line begins,
 * which would move the line an error names.
 */
export function readEdnLine(line: string): unknown {
  src = line;
  pos = 0;
  depth = 0;
  try {
    skipSpace();
    if (pos >= src.length) return BLANK;
    if (src.charCodeAt(pos) !== 123) return NOT_RECOGNISED;
    const v = readMap();
    if (v === FAIL) return NOT_RECOGNISED;
    skipSpace();
    return pos === src.length ? v : NOT_RECOGNISED;
  } finally {
    src = '';
  }
}

/**
 * The keyword at pos, when it is one of `names` (pos then moves past it); else undefined.
 * Compares in place, reading no string.
 */
function keywordOf<T extends string>(names: readonly T[]): T | undefined {
  if (src.charCodeAt(pos) !== 58) return undefined;
  const start = pos + 1;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const end = start + name.length;
    if (src.startsWith(name, start) && tokenEndsAt(end)) {
      pos = end;
      return name;
    }
  }
  return undefined;
}

/** An integer, or undefined (not one this reader knows). */
function integer(): number | undefined {
  const c = src.charCodeAt(pos);
  if (c !== 45 && (c < 48 || c > 57)) return undefined;
  const n = readInteger();
  return n === FAIL ? undefined : (n as number);
}

/** `nil` (pos moves past it), or false. */
function nil(): boolean {
  if (src.charCodeAt(pos) !== 110) return false;
  return readWord('nil', null) !== FAIL;
}

/** Moves past `c` (after whitespace), or returns false. */
function expect(c: number): boolean {
  skipSpace();
  if (src.charCodeAt(pos) !== c) return false;
  pos++;
  return true;
}

/** An [offset value] pair: offset nil or a non-negative integer, value an integer. */
function offsetValue(): OffsetValue | undefined {
  pos++; // past '['
  skipSpace();
  let offset: number | null;
  if (nil()) offset = null;
  else {
    const o = integer();
    if (o === undefined || !(o >= 0)) return undefined;
    offset = o;
  }
  skipSpace();
  const v = integer();
  if (v === undefined || !expect(93)) return undefined;
  return [offset, v];
}

/** A poll result {k [[offset value] ...] ...} with integer keys, as normalizeOp builds it. */
function pollResult(): PollResult | undefined {
  pos++; // past '{'
  const out = Object.create(null) as Record<string, OffsetValue[]>;
  for (;;) {
    skipSpace();
    if (src.charCodeAt(pos) === 125) {
      pos++;
      return out;
    }
    const k = integer();
    if (k === undefined) return undefined;
    const key = String(k);
    if (key in out) return undefined; // a repeated key: edn-data's Map decides which wins
    if (!expect(91)) return undefined;
    const pairs: OffsetValue[] = [];
    for (;;) {
      skipSpace();
      const c = src.charCodeAt(pos);
      if (c === 93) {
        pos++;
        break;
      }
      if (c !== 91) return undefined;
      const pair = offsetValue();
      if (pair === undefined) return undefined;
      pairs.push(pair);
    }
    out[key] = pairs;
  }
}

const MOP_NAMES = ['send', 'poll'] as const;

/** [:send k v], [:send k [offset v]], [:poll], [:poll nil] or [:poll {...}], allowed in an `f` op. */
function mop(f: 'send' | 'poll' | 'txn'): Mop | undefined {
  pos++; // past '['
  skipSpace();
  const name = keywordOf(MOP_NAMES);
  if (name === undefined || (name === 'send' ? f === 'poll' : f === 'send')) return undefined;
  skipSpace();
  if (name === 'send') {
    const k = integer();
    if (k === undefined) return undefined;
    skipSpace();
    let v: Value | OffsetValue | undefined;
    if (src.charCodeAt(pos) === 91) v = offsetValue();
    else v = integer();
    if (v === undefined || !expect(93)) return undefined;
    return ['send', k, v];
  }
  const c = src.charCodeAt(pos);
  if (c === 93) {
    pos++;
    return ['poll'];
  }
  if (nil()) return expect(93) ? ['poll'] : undefined;
  if (c !== 123) return undefined;
  const result = pollResult();
  if (result === undefined || !expect(93)) return undefined;
  return ['poll', result];
}

/** The value of an `f` op: nil (an empty list), or a vector of micro-ops or of integer keys. */
function opValue(f: OpF): Mop[] | Key[] | undefined {
  if (nil()) return [];
  if (src.charCodeAt(pos) !== 91) return undefined;
  pos++;
  const out: (Mop | Key)[] = [];
  const mops = f === 'send' || f === 'poll' || f === 'txn';
  for (;;) {
    skipSpace();
    const c = src.charCodeAt(pos);
    if (c === 93) {
      pos++;
      return out as Mop[] | Key[];
    }
    const item = mops ? (c === 91 ? mop(f) : undefined) : integer();
    if (item === undefined) return undefined;
    out.push(item);
  }
}

const FIELDS = ['type', 'f', 'value', 'time', 'process', 'index'] as const;
const TYPES = ['invoke', 'ok', 'fail', 'info'] as const;
const FS = ['send', 'poll', 'txn', 'assign', 'subscribe'] as const;

function readOp(ordinal: number): HistoryOp | undefined {
  skipSpace();
  if (src.charCodeAt(pos) !== 123) return undefined;
  pos++;
  let index: number | undefined;
  let time: number | undefined;
  let process: number | undefined;
  let type: OpType | undefined;
  let f: OpF | undefined;
  let value: Mop[] | Key[] | undefined;
  let seen = 0;
  for (;;) {
    skipSpace();
    if (pos >= src.length) return undefined;
    if (src.charCodeAt(pos) === 125) {
      pos++;
      break;
    }
    const field = keywordOf(FIELDS);
    if (field === undefined) return undefined; // any other field: the general path
    const bit = 1 << FIELDS.indexOf(field);
    if ((seen & bit) !== 0) return undefined; // a repeated field: edn-data's Map decides
    seen |= bit;
    skipSpace();
    switch (field) {
      case 'type':
        type = keywordOf(TYPES);
        if (type === undefined) return undefined;
        break;
      case 'f':
        f = keywordOf(FS);
        if (f === undefined) return undefined;
        break;
      case 'value':
        if (f === undefined) return undefined; // read before :f, it could not be judged
        value = opValue(f);
        if (value === undefined) return undefined;
        break;
      case 'time':
        if (!nil()) {
          time = integer();
          if (time === undefined) return undefined;
        }
        break;
      case 'process':
        process = integer();
        if (process === undefined) return undefined;
        break;
      case 'index':
        index = integer();
        if (index === undefined || !(index >= 0)) return undefined;
        break;
    }
  }
  skipSpace();
  if (pos !== src.length || type === undefined || process === undefined || f === undefined || value === undefined) return undefined;
  const op: { index: number; process: number; type: OpType; f: OpF; value: Mop[] | Key[]; time?: number } = {
    index: index ?? ordinal,
    process,
    type,
    f,
    value,
  };
  if (time !== undefined) op.time = time;
  return op;
}

/**
 * A line holding one client op in the shapes Jepsen's Kafka workload writes, read straight
 * into the HistoryOp normalizeOp would make of edn-data's reading of it (same fields, same
 * order, prototype-less poll results): the fields :type, :f, :value, :time, :process and
 * :index, each once, :f before :value, the process an integer, f one of send, poll, txn,
 * assign and subscribe, keys, values and offsets integers (offsets nil or non-negative).
 * Any other line, valid or not, is NOT_RECOGNISED: readEdnLine, then edn-data and
 * normalizeOp, take it and say what is wrong with it.
 */
export function readOpLine(line: string, ordinal: number): HistoryOp | typeof NOT_RECOGNISED {
  src = line;
  pos = 0;
  try {
    return readOp(ordinal) ?? NOT_RECOGNISED;
  } finally {
    src = '';
  }
}

/**
 * JSON.stringify(op), for an op readOpLine returned (integers, null offsets, names that
 * need no escaping), built with one join: faster, and a flat string of the exact length.
 */
export function opLineJson(op: HistoryOp): string {
  const p: (string | number)[] = ['{"index":', op.index, ',"process":', op.process, ',"type":"', op.type, '","f":"', op.f, '","value":['];
  const value = op.value as readonly (Mop | Key)[];
  for (let i = 0; i < value.length; i++) {
    if (i > 0) p.push(',');
    const item = value[i]!;
    if (typeof item === 'number') {
      p.push(item);
    } else if (item[0] === 'send') {
      const v = item[2];
      if (typeof v === 'number') p.push('["send",', item[1], ',', v, ']');
      else p.push('["send",', item[1], ',[', v[0] === null ? 'null' : v[0], ',', v[1], ']]');
    } else if (item.length === 1) {
      p.push('["poll"]');
    } else {
      const result = (item as readonly ['poll', PollResult])[1];
      p.push('["poll",{');
      let first = true;
      for (const k of Object.keys(result)) {
        p.push(first ? '"' : ',"', k, '":[');
        first = false;
        const pairs = result[k]!;
        for (let j = 0; j < pairs.length; j++) {
          const pair = pairs[j]!;
          p.push(j > 0 ? ',[' : '[', pair[0] === null ? 'null' : pair[0], ',', pair[1], ']');
        }
        p.push(']');
      }
      p.push('}]');
    }
  }
  p.push(']');
  if (op.time !== undefined) p.push(',"time":', op.time);
  p.push('}');
  return p.join('');
}
