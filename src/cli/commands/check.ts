import { statSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { HistoryChecker } from '../../check/history/checker.js';
import { renderReport } from '../../check/history/report.js';
import type { CheckOptions, SubVia } from '../../check/history/types.js';
import { HistoryFormatError } from '../../oracle/history/normalize.js';
import { type HistoryFormat, HISTORY_FORMATS, formatFromPath, readHistoryBatches } from '../../oracle/history/parse.js';
import { InputError } from '../../errors.js';
import type { RegisterCommand } from './index.js';

function parseSubVia(value: string, previous: SubVia[] | undefined): SubVia[] {
  const out = new Set<SubVia>(previous ?? []);
  for (const part of value.split(',')) {
    const p = part.trim();
    if (p !== 'assign' && p !== 'subscribe') {
      throw new InvalidArgumentError(`sub-via must be assign or subscribe (or both: assign,subscribe), got "${value}"`);
    }
    out.add(p);
  }
  return [...out];
}

interface CheckFlags {
  json?: boolean;
  subVia?: SubVia[];
  wwDeps?: boolean;
  txn?: boolean;
  format?: HistoryFormat;
  order?: 'realtime' | 'process' | 'none';
}

/**
 * Judges one history against Jepsen's Kafka anomalies. The file is streamed: the checker
 * keeps compact per-key structures and typed arrays per completion, and for JSON Lines only
 * where each op's line is (spec/history.md, "How check holds a history").
 */
export async function checkFile(file: string, flags: CheckFlags): Promise<{ text: string; valid: boolean }> {
  const format = flags.format ?? formatFromPath(file);
  if (format === undefined) {
    throw new InputError(`${file}: cannot tell the history format from the name; use a .edn, .jsonl or .json file, or --format edn|jsonl|json`);
  }
  try {
    if (!statSync(file).isFile()) throw new InputError(`${file}: not a file; expected a history file`);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}: cannot read history (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const options: CheckOptions = { subVia: flags.subVia ?? ['assign'], wwDeps: flags.wwDeps === true, order: flags.order ?? 'realtime', txn: flags.txn === true };
  // The checker reads back from the file the few ops a report names: it holds no op's text.
  const checker = new HistoryChecker(file);
  try {
    for await (const batch of readHistoryBatches(file, format)) for (const { op, text, span } of batch) checker.add(op, span ?? text);
  } catch (e) {
    if (e instanceof HistoryFormatError) throw new InputError(e.message);
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string') throw new InputError(`${file}: cannot read history (${err.code})`);
    throw e;
  }
  const result = checker.finish(options);
  const text = flags.json === true
    ? `${JSON.stringify({ valid: result.valid, 'bad-error-types': result['bad-error-types'], errors: result.errors })}\n`
    : renderReport(file, result, options);
  return { text, valid: result.valid };
}

export const registerCheck: RegisterCommand = (program, io, setExitCode) => {
  program
    .command('check')
    .description("check a Jepsen Kafka-workload history (EDN or JSON Lines) for Jepsen's anomalies; exit 0 valid, 1 anomalies, 2 unreadable")
    .argument('<file>', 'history file: .edn (Jepsen history.edn), .jsonl (one op per line) or .json')
    .option('--json', 'print {"valid", "bad-error-types", "errors"} as JSON, with every case')
    .addOption(
      new Option('--sub-via <how>', 'how consumers got partitions: assign, subscribe, or assign,subscribe (default assign)').argParser(parseSubVia),
    )
    .option('--ww-deps', 'infer write-write dependencies from log order (then G1c is expected)')
    .addOption(
      new Option('--order <order>', "order between ops added to the dependency graph, as Elle adds it: realtime (Jepsen's Kafka checker: finds G0-realtime, G1c-realtime), process (G0-process, G1c-process) or none").choices(['realtime', 'process', 'none']),
    )
    .option('--txn', "the history came from Jepsen's txn mode (recorded; does not change what is judged)")
    .addOption(new Option('--format <format>', 'history format, when the file name does not say').choices(HISTORY_FORMATS as string[]))
    .action(async (file: string, flags: CheckFlags) => {
      const { text, valid } = await checkFile(file, flags);
      io.out(text);
      setExitCode(valid ? 0 : 1);
    });
};
