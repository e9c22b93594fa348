/** The conformance run's outputs: the history (EDN and JSON Lines) and the report. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toEdn, toJsonLine } from './history.js';
import type { ConformRun } from './runner.js';
import { plural } from '../../text.js';

export type Verdict = 'valid' | 'invalid' | 'unchecked' | 'nothing-checked';

/**
 * Why the run's history cannot support a VALID verdict, or undefined when it can: a history in
 * which no send was acknowledged, or no poll returned a record, has nothing for the checker to
 * find lost or reordered (issue 14). Names the sends' most frequent error, which usually says why.
 */
export function nothingChecked(run: ConformRun): string | undefined {
  const sends = run.stats.completions['send'] ?? {};
  if ((sends['ok'] ?? 0) === 0) {
    const errors = new Map<string, number>();
    for (const op of run.ops) if (op.f === 'send' && op.type !== 'invoke' && op.error !== undefined) errors.set(op.error, (errors.get(op.error) ?? 0) + 1);
    const [common, n] = [...errors].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0] ?? [];
    const invoked = run.ops.filter((op) => op.f === 'send' && op.type === 'invoke').length;
    const ended = Object.entries(sends).map(([t, k]) => `${k} ${t}`);
    const story = `${invoked} invoked, ${ended.length > 0 ? ended.join(', ') : 'none completed'}`;
    return `no send was acknowledged (${story})${common === undefined ? '' : `; most often: ${common} (${n})`}`;
  }
  if (run.stats.recordsPolled === 0) return 'no poll returned a record';
  return undefined;
}

export function verdictOf(run: ConformRun): Verdict {
  if (!run.result) return 'unchecked';
  // Jepsen calls a history with no transaction graph invalid (empty-transaction-graph); here
  // that is the same finding as nothing checked. Any other anomaly stands.
  const anomalies = run.result['bad-error-types'].filter((t) => t !== 'empty-transaction-graph');
  if (!run.result.valid && anomalies.length > 0) return 'invalid';
  if (nothingChecked(run) !== undefined) return 'nothing-checked';
  return run.result.valid ? 'valid' : 'invalid';
}

/** What --json prints and report.json holds: the checker's result plus run stats. */
export function summary(run: ConformRun): Record<string, unknown> {
  return {
    verdict: verdictOf(run),
    ...(verdictOf(run) === 'nothing-checked' ? { nothingChecked: nothingChecked(run) } : {}),
    result: run.result,
    ...(run.checkerError !== undefined ? { checkerError: run.checkerError } : {}),
    options: run.options,
    stats: { ...run.stats, ops: run.ops.length },
  };
}

const EXAMPLES = 3;

export function renderReport(run: ConformRun): string {
  const s = run.stats;
  const o = run.options;
  const lines: string[] = [];
  lines.push(`kafka-model conform: ${verdictOf(run).toUpperCase()}`);
  lines.push('');
  lines.push(`target      ${s.brokers.join(',')}`);
  lines.push(`topics      key k is partition 0 of topic ${s.topicPrefix}<k>, k = 0..${o.keys - 1}`);
  lines.push(
    `workload    ${plural(o.clients, 'client')}, ${plural(o.keys, 'key')}, ${o.durationMs} ms, via ${o.subVia}, ` +
      `${o.idempotent ? 'idempotent' : 'non-idempotent'} producer (${o.producerRetries} retries, ` +
      `request timeout ${o.requestTimeoutMs} ms), ` +
      `${o.crashIntervalMs > 0 ? `a crash every ~${o.crashIntervalMs} ms` : 'no crashes'}, seed ${o.seed}`,
  );
  lines.push(`faults      ${o.faults.length ? o.faults.join(', ') : 'none'}`);
  lines.push(`ran         ${s.durationMs} ms, ${plural(run.ops.length, 'op')}, ${plural(s.processes, 'process', 'processes')}, ${plural(s.recordsPolled, 'record')} polled`);
  for (const [f, byType] of Object.entries(s.completions)) {
    lines.push(`  ${f.padEnd(10)}${Object.entries(byType).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  }
  lines.push(`final read  ${s.finalReadComplete ? 'reached' : 'did NOT reach'} offsets ${JSON.stringify(s.targetOffsets)}`);
  if (s.faults.length) {
    lines.push(`injected    ${s.faults.length} times`);
    for (const f of s.faults.slice(0, 5)) lines.push(`  ${(f.time / 1e9).toFixed(3)}s ${f.fault}: ${f.detail}`);
    if (s.faults.length > 5) lines.push(`  ... ${s.faults.length - 5} more`);
  }
  lines.push('');
  if (!run.result) {
    lines.push(`not checked: ${run.checkerError ?? 'no checker'}`);
  } else if (verdictOf(run) === 'nothing-checked') {
    lines.push(`checker: no anomaly, but nothing checked: ${nothingChecked(run)}`);
  } else if (run.result.valid) {
    const allowed = run.result['error-types'];
    lines.push(`checker: valid${allowed.length ? ` (allowed anomalies: ${allowed.join(', ')})` : ' (no anomalies)'}`);
  } else {
    lines.push(`checker: anomalies found (against validity: ${run.result['bad-error-types'].join(', ')})`);
    for (const [name, found] of Object.entries(run.result.errors) as [string, unknown[]][]) {
      const counts = run.result['bad-error-types'].includes(name as never) ? '' : ' (allowed)';
      lines.push(`  ${name}: ${found.length}${counts}`);
      for (const example of found.slice(0, EXAMPLES)) lines.push(`    ${JSON.stringify(example)}`);
      if (found.length > EXAMPLES) lines.push(`    ... ${found.length - EXAMPLES} more`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Writes history.jsonl, history.edn, report.txt and report.json into dir (created if needed). */
export async function writeRunFiles(dir: string, run: ConformRun): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['history.jsonl', run.ops.map((op) => `${toJsonLine(op)}\n`).join('')],
    ['history.edn', run.ops.map((op) => `${toEdn(op)}\n`).join('')],
    ['report.txt', renderReport(run)],
    ['report.json', `${JSON.stringify(summary(run), null, 2)}\n`],
  ];
  for (const [name, text] of files) await writeFile(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}
