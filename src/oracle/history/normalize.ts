import {
  type HistoryOp,
  type Key,
  type OffsetValue,
  type OpF,
  type OpType,
  type PollResult,
  type RebalanceEvent,
  OP_FS,
  OP_TYPES,
} from './types.js';

/**
 * An op that does not have the shape spec/history.md describes. The message says what was
 * wrong and what was expected; the parser prefixes it with `file:line: `.
 */
export class HistoryFormatError extends Error {
  override readonly name = 'HistoryFormatError';
}

/**
 * A parsed op before validation: a JSON object, or a Map from the EDN parser (keywords read
 * as strings). Fields are read through `field()`, never by indexing with input-chosen names.
 */
type Raw = Record<string, unknown> | ReadonlyMap<unknown, unknown>;

function isMap(x: unknown): x is ReadonlyMap<unknown, unknown> {
  return x instanceof Map;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map);
}

function field(raw: Raw, name: string): unknown {
  if (isMap(raw)) return raw.get(name);
  return Object.prototype.hasOwnProperty.call(raw, name) ? raw[name] : undefined;
}

function describe(x: unknown): string {
  if (x === undefined) return 'missing';
  if (x === null) return 'null';
  if (typeof x === 'string') return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint') return String(x);
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (isMap(x)) return 'a map';
  return `a ${typeof x}`;
}

/** EDN integers beyond 2^53 arrive as bigint; accept them where they are exact. */
function asNumber(x: unknown): unknown {
  if (typeof x === 'bigint') {
    const n = Number(x);
    return Number.isSafeInteger(n) ? n : x;
  }
  return x;
}

function isKey(x: unknown): x is Key {
  return (typeof x === 'number' && Number.isSafeInteger(x)) || typeof x === 'string';
}

function checkKey(x: unknown, where: string): Key {
  const k = asNumber(x);
  if (!isKey(k)) throw new HistoryFormatError(`${where}: key is ${describe(x)}; expected an integer or a string`);
  return k;
}

function checkValue(x: unknown, where: string): number | string {
  const v = asNumber(x);
  if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string') return v;
  throw new HistoryFormatError(`${where}: value is ${describe(x)}; expected a number or a string`);
}

function checkOffset(x: unknown, where: string): number | null {
  const o = asNumber(x);
  if (o === null) return null;
  if (typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) return o;
  throw new HistoryFormatError(`${where}: offset is ${describe(x)}; expected a non-negative integer or null`);
}

function checkPair(x: unknown, where: string): OffsetValue {
  if (!Array.isArray(x) || x.length !== 2) {
    throw new HistoryFormatError(`${where}: ${describe(x)}; expected an [offset, value] pair`);
  }
  return [checkOffset(x[0], where), checkValue(x[1], where)];
}

/** Poll results: a JSON object or EDN map of key -> [[offset, value], ...]. */
function checkPollResult(x: unknown, where: string, fromJson: boolean): PollResult | undefined {
  if (x === null || x === undefined) return undefined;
  if (fromJson) {
    // Already JSON-shaped: validate in place, allocate nothing (the million-op hot path).
    if (!isPlainObject(x)) {
      throw new HistoryFormatError(`${where}: poll result is ${describe(x)}; expected a map of key -> [[offset, value], ...]`);
    }
    for (const k of Object.keys(x)) {
      const pairs = x[k];
      if (!Array.isArray(pairs)) {
        throw new HistoryFormatError(`${where}: poll result for key ${JSON.stringify(k)} is ${describe(pairs)}; expected a list of [offset, value] pairs`);
      }
      for (let i = 0; i < pairs.length; i++) {
        const p: unknown = pairs[i];
        if (
          !Array.isArray(p) ||
          p.length !== 2 ||
          !(p[0] === null || (typeof p[0] === 'number' && Number.isSafeInteger(p[0]) && p[0] >= 0)) ||
          !((typeof p[1] === 'number' && Number.isFinite(p[1])) || typeof p[1] === 'string')
        ) {
          checkPair(p, `${where}, key ${JSON.stringify(k)}`); // throws the precise message
        }
      }
    }
    return x as PollResult;
  }
  if (!isMap(x) && !isPlainObject(x)) {
    throw new HistoryFormatError(`${where}: poll result is ${describe(x)}; expected a map of key -> [[offset, value], ...]`);
  }
  const out = Object.create(null) as Record<string, OffsetValue[]>;
  const entries: Iterable<[unknown, unknown]> = isMap(x) ? x.entries() : Object.entries(x);
  for (const [rawKey, pairs] of entries) {
    const k = checkKey(rawKey, where);
    if (!Array.isArray(pairs)) {
      throw new HistoryFormatError(`${where}: poll result for key ${String(k)} is ${describe(pairs)}; expected a list of [offset, value] pairs`);
    }
    out[String(k)] = pairs.map((p) => checkPair(p, `${where}, key ${String(k)}`));
  }
  return out;
}

function checkMops(value: unknown, f: 'send' | 'poll' | 'txn', fromJson: boolean): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new HistoryFormatError(`value is ${describe(value)}; expected a list of micro-ops like ["send", k, v] or ["poll"]`);
  }
  const out: unknown[] = fromJson ? value : [];
  for (let i = 0; i < value.length; i++) {
    const mop: unknown = value[i];
    const where = `micro-op ${i}`;
    if (!Array.isArray(mop) || mop.length === 0) {
      throw new HistoryFormatError(`${where} is ${describe(mop)}; expected ["send", k, v] or ["poll", ...]`);
    }
    const name: unknown = mop[0];
    if (name === 'send') {
      if (f === 'poll') throw new HistoryFormatError(`${where} is a send in a poll op; expected only poll micro-ops`);
      if (mop.length !== 3) throw new HistoryFormatError(`${where}: a send has ${mop.length - 1} arguments; expected ["send", k, v] or ["send", k, [offset, v]]`);
      const k = checkKey(mop[1], where);
      const v: unknown = mop[2];
      const checked = Array.isArray(v) ? checkPair(v, where) : checkValue(v, where);
      if (!fromJson) out.push(['send', k, checked]);
    } else if (name === 'poll') {
      if (f === 'send') throw new HistoryFormatError(`${where} is a poll in a send op; expected only send micro-ops`);
      if (mop.length > 2) throw new HistoryFormatError(`${where}: a poll has ${mop.length - 1} arguments; expected ["poll"] or ["poll", {k: [[offset, v], ...]}]`);
      const result = mop.length === 2 ? checkPollResult(mop[1], where, fromJson) : undefined;
      if (!fromJson) out.push(result === undefined ? ['poll'] : ['poll', result]);
    } else {
      throw new HistoryFormatError(`${where} is named ${describe(name)}; expected "send" or "poll"`);
    }
  }
  return out;
}

function checkKeys(value: unknown, f: string): Key[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new HistoryFormatError(`value of ${f} is ${describe(value)}; expected a list of keys`);
  return value.map((k) => checkKey(k, `${f} value`));
}

function checkRebalanceLog(x: unknown): RebalanceEvent[] | undefined {
  if (x === undefined || x === null) return undefined;
  if (!Array.isArray(x)) throw new HistoryFormatError(`rebalance-log is ${describe(x)}; expected a list of {"keys": [k, ...]} maps`);
  return x.map((ev, i) => {
    if (!isMap(ev) && !isPlainObject(ev)) {
      throw new HistoryFormatError(`rebalance-log entry ${i} is ${describe(ev)}; expected a {"keys": [k, ...]} map`);
    }
    return { keys: checkKeys(field(ev, 'keys'), `rebalance-log entry ${i} keys`) };
  });
}

/** EDN extras (e.g. `:error [:timeout]`) become JSON-compatible data for reports. */
export function toJsonData(x: unknown): unknown {
  if (x === null || typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') return x;
  if (typeof x === 'bigint') return asNumber(x) === x ? x.toString() : Number(x);
  if (Array.isArray(x)) return x.map(toJsonData);
  if (x instanceof Set) return [...x].map(toJsonData);
  if (isMap(x)) {
    const o = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of x) o[typeof k === 'string' ? k : JSON.stringify(toJsonData(k))] = toJsonData(v);
    return o;
  }
  if (x instanceof Date) return x.toISOString();
  if (typeof x === 'object') {
    const o = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(x)) o[k] = toJsonData(v);
    return o;
  }
  return String(x);
}

/**
 * Validates one parsed op and returns it as a HistoryOp. JSON objects that are already
 * well-formed are returned as they are (no copy: this is the hot path for million-op files);
 * EDN maps are rebuilt. `ordinal` (the op's position) stands in for a missing `index`.
 *
 * Ops of a non-client process (a string such as "nemesis") are checked only for `type` and
 * `process`: their `f` and `value` belong to the nemesis and are not ours to judge.
 */
export function normalizeOp(raw: unknown, ordinal: number): HistoryOp {
  let r: unknown = raw;
  // Jepsen may print ops as records: #jepsen.history.Op{...}.
  if (typeof r === 'object' && r !== null && !Array.isArray(r) && !isMap(r) && 'tag' in r && 'val' in r && isMap((r as { val: unknown }).val)) {
    r = (r as { val: unknown }).val;
  }
  if (!isMap(r) && !isPlainObject(r)) {
    throw new HistoryFormatError(`op is ${describe(raw)}; expected a map like {"type": "invoke", "f": "send", "process": 0, "value": [...]}`);
  }
  const fromJson = !isMap(r);
  const type = field(r, 'type');
  if (typeof type !== 'string' || !OP_TYPES.includes(type as OpType)) {
    throw new HistoryFormatError(`field "type" is ${describe(type)}; expected one of ${OP_TYPES.join(', ')}`);
  }
  const process = asNumber(field(r, 'process'));
  if (!(typeof process === 'number' && Number.isSafeInteger(process)) && typeof process !== 'string') {
    throw new HistoryFormatError(`field "process" is ${describe(field(r, 'process'))}; expected an integer (a client) or a name such as "nemesis"`);
  }
  const rawIndex = asNumber(field(r, 'index'));
  if (rawIndex !== undefined && !(typeof rawIndex === 'number' && Number.isSafeInteger(rawIndex) && rawIndex >= 0)) {
    throw new HistoryFormatError(`field "index" is ${describe(rawIndex)}; expected a non-negative integer`);
  }
  const rawTime = asNumber(field(r, 'time'));
  if (rawTime !== undefined && rawTime !== null && !(typeof rawTime === 'number' && Number.isFinite(rawTime))) {
    throw new HistoryFormatError(`field "time" is ${describe(rawTime)}; expected a number of nanoseconds`);
  }
  const index = rawIndex ?? ordinal;
  const time = typeof rawTime === 'number' ? rawTime : undefined;
  const f = field(r, 'f');

  if (typeof process === 'string') {
    // Not a client op: keep what a report needs, judge nothing else.
    if (fromJson && rawIndex !== undefined) return r as unknown as HistoryOp;
    return { index, time, process, type: type as OpType, f: (typeof f === 'string' ? f : 'crash') as OpF, value: toJsonData(field(r, 'value')) };
  }

  if (typeof f !== 'string' || !OP_FS.includes(f as OpF)) {
    throw new HistoryFormatError(`field "f" is ${describe(f)}; expected one of ${OP_FS.join(', ')}`);
  }
  const value = field(r, 'value');
  let checkedValue: unknown;
  switch (f as OpF) {
    case 'send':
    case 'poll':
    case 'txn':
      if (value === undefined) throw new HistoryFormatError(`field "value" is missing; a ${f} op carries a list of micro-ops`);
      checkedValue = checkMops(value, f as 'send' | 'poll' | 'txn', fromJson);
      break;
    case 'assign':
    case 'subscribe':
      if (value === undefined) throw new HistoryFormatError(`field "value" is missing; an ${f} op carries a list of keys`);
      checkedValue = checkKeys(value, f);
      break;
    default:
      checkedValue = fromJson ? value : toJsonData(value);
  }
  const rebalance = checkRebalanceLog(field(r, 'rebalance-log'));

  if (fromJson) {
    if (rawIndex !== undefined && (value !== null || f === 'crash' || f === 'debug-topic-partitions')) {
      return r as unknown as HistoryOp;
    }
    return { ...(r as object), index, value: value === null && (f === 'assign' || f === 'subscribe' || f === 'send' || f === 'poll' || f === 'txn') ? [] : value } as unknown as HistoryOp;
  }
  const op: {
    index: number;
    time?: number;
    process: number;
    type: OpType;
    f: OpF;
    value: unknown;
    'rebalance-log'?: RebalanceEvent[];
    error?: unknown;
  } = { index, process, type: type as OpType, f: f as OpF, value: checkedValue };
  if (time !== undefined) op.time = time;
  if (rebalance !== undefined) op['rebalance-log'] = rebalance;
  const error = field(r, 'error');
  if (error !== undefined) op.error = toJsonData(error);
  return op;
}
