import type { HistoryOp } from '../../oracle/history/types.js';
import { type AnomalyName, type CheckOptions, type CheckResult, type Cycle, allowedAnomalies } from './types.js';
import { plural } from '../../text.js';

/** What each anomaly means, in a line, for the readable report. */
const MEANING: Record<AnomalyName, string> = {
  G0: 'write cycle: sends ordered against each other through the logs',
  G1a: 'aborted read: an ok poll saw a value whose send failed',
  G1c: 'circular information flow between transactions (ww and wr edges)',
  'G0-process': "write cycle through a process's own order of ops (ww and process edges)",
  'G0-realtime': 'write cycle through real-time order: an op ordered before one that had completed before it began (ww and realtime edges)',
  'G1c-process': "circular information flow through a process's own order of ops (ww, wr and process edges)",
  'G1c-realtime': 'circular information flow through real-time order: an op read what an op invoked after it completed wrote (ww, wr and realtime edges)',
  duplicate: 'one value at more than one offset of a key',
  'empty-transaction-graph': 'nothing to check: no op depends on another (no ok poll read an ok send, and no ok op preceded another in the order asked for), so no cycle could be seen',
  'inconsistent-offsets': 'one offset of a key holding more than one value',
  'int-nonmonotonic-poll': 'within one op, successive reads of a key went backwards or repeated',
  'int-nonmonotonic-send': 'within one op, successive sends to a key went backwards',
  'int-poll-skip': 'within one op, successive reads of a key skipped values',
  'int-send-skip': 'within one op, successive sends to a key were not adjacent in the log',
  'lost-write': 'an acknowledged send below the highest read offset that no ok poll saw',
  'nonmonotonic-poll': "a process's poll started at or before where its previous poll ended",
  'nonmonotonic-send': "a process's send landed at or before its previous send to the key",
  'poll-skip': "a process's successive polls skipped values of a key",
  'precommitted-read': 'a transaction read a value it sent itself',
  unseen: 'acknowledged sends that no ok poll ever saw',
};

const SHOWN = 8;

function opRef(op: HistoryOp | null): string {
  if (op === null) return '(none)';
  return `#${op.index}(p${String(op.process)} ${op.type} ${op.f})`;
}

function val(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(val).join(' ')}]`;
  if (typeof x === 'string') return JSON.stringify(x);
  return String(x);
}

function isOp(x: unknown): x is HistoryOp {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'type' in x && 'f' in x && 'process' in x;
}

function renderCase(c: object): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(c)) {
    if (isOp(v) || v === null) parts.push(`${k} ${opRef(v as HistoryOp | null)}`);
    else if (Array.isArray(v) && v.length > 0 && v.every(isOp)) parts.push(`${k} ${v.map(opRef).join(' -> ')}`);
    else parts.push(`${k} ${val(v)}`);
  }
  return parts.join(', ');
}

function renderCycle(c: Cycle): string {
  const out: string[] = [opRef(c.cycle[0] ?? null)];
  c.steps.forEach((s, i) => {
    const what =
      s.type === 'ww'
        ? `ww key ${val(s.key)}: ${val(s.value)} before ${val(s["value'"])}`
        : s.type === 'wr'
          ? `wr key ${val(s.key)} value ${val(s.value)}`
          : s.type === 'realtime'
            ? `realtime: completed before #${s.b.index} was invoked`
            : `process ${s.process}`;
    out.push(`-[${what}]-> ${opRef(c.cycle[i + 1] ?? null)}`);
  });
  return out.join(' ');
}

/** The readable report `kafka-model check` prints by default. */
export function renderReport(name: string, result: CheckResult, options: CheckOptions): string {
  const lines: string[] = [];
  const s = result.stats;
  const subVia = (options.subVia ?? ['assign']).join(',');
  lines.push(`${name}: ${plural(s.ops, 'op')}, ${plural(s.completions, 'client completion')}, ${plural(s.keys, 'key')}`);
  lines.push(`options: sub-via ${subVia}, ww-deps ${options.wwDeps === true ? 'on' : 'off'}, order ${options.order ?? 'realtime'}`);
  if (result['error-types'].length === 0) {
    lines.push('VALID: no anomalies found');
    return `${lines.join('\n')}\n`;
  }
  const empty = result.errors['empty-transaction-graph']?.[0];
  if (empty) {
    // Jepsen's :empty-transaction-graph: the history is not valid, but it is no anomaly either.
    const what = empty.completions === 0 ? 'the history has no client completions' : empty.ok === 0 ? `none of its ${empty.completions} client ${empty.completions === 1 ? 'completion is' : 'completions are'} ok` : 'no ok poll read a value an ok send wrote, and no ok op completed before another began';
    lines.push(`NOTHING TO CHECK (empty-transaction-graph): ${what}`);
  }
  lines.push(
    result.valid
      ? `VALID: only anomalies these options allow (${result['error-types'].join(', ')})`
      : `INVALID: ${result['bad-error-types'].join(', ')}`,
  );
  const allowed = allowedAnomalies(options);
  for (const type of result['error-types']) {
    const cases = (result.errors[type] ?? []) as object[];
    lines.push('');
    lines.push(`${type}: ${cases.length} ${cases.length === 1 ? 'case' : 'cases'}${allowed.has(type) ? ' (allowed by the options)' : ''}`);
    lines.push(`  ${MEANING[type]}`);
    if (type === 'empty-transaction-graph') continue;
    if (type === 'unseen') {
      const u = result.errors.unseen![0]!;
      for (const k of Object.keys(u.unseen)) {
        const msgs = u.messages[k] ?? [];
        const shown = msgs.slice(0, 16).map(val).join(' ');
        lines.push(`  key ${k}: ${u.unseen[k]} unseen [${shown}${msgs.length > 16 ? ' ...' : ''}]`);
      }
      continue;
    }
    for (const c of cases.slice(0, SHOWN)) {
      lines.push(`  - ${type.startsWith('G0') || type.startsWith('G1c') ? renderCycle(c as Cycle) : renderCase(c)}`);
    }
    if (cases.length > SHOWN) lines.push(`  ... and ${cases.length - SHOWN} more (--json lists all)`);
  }
  if (s['values-without-writer'] > 0) {
    lines.push('');
    lines.push(`note: ${s['values-without-writer']} value(s) in the logs were never sent by any op; lost-write cannot judge them`);
  }
  return `${lines.join('\n')}\n`;
}
