/**
 * `serve --record FILE`: everything that entered the served World from outside, each at the
 * virtual time it entered (a client connection's node, each model message sent from one, each
 * fault), then the trace hash at the end. `kafka-model replay FILE` drives a fresh World with
 * the same entries at the same virtual times, with no sockets and no wall clock, and must reach
 * the same trace hash: the World is deterministic (design decision 1), and the live server's
 * only inputs are these. What the clients' bytes were is not needed: the model's messages carry
 * record numbers, not bytes.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { ExtraTopic } from '../machines/controller.js';
import { ServedWorld, type JournalEntry, type LiveClusterOptions } from './live-cluster.js';

export const JOURNAL_KIND = 'kafka-model serve journal';

export interface JournalHeader {
  readonly journal: typeof JOURNAL_KIND;
  readonly version: 1;
  readonly options: LiveClusterOptions;
}

export interface JournalEnd {
  readonly t: number;
  readonly op: 'end';
  readonly traceHash: string;
  readonly events: number;
}

export class JournalWriter {
  private fd: number | undefined;
  constructor(
    readonly file: string,
    options: LiveClusterOptions,
  ) {
    this.fd = openSync(file, 'w');
    this.line({ journal: JOURNAL_KIND, version: 1, options } satisfies JournalHeader);
  }
  private line(v: unknown): void {
    if (this.fd !== undefined) writeSync(this.fd, `${JSON.stringify(v)}\n`);
  }
  entry(e: JournalEntry): void {
    this.line(e);
  }
  end(e: JournalEnd): void {
    this.line(e);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Whether a file whose first line is `first` is a serve journal (that line says so). */
export function isJournalHead(first: string): boolean {
  try {
    return first.includes(JOURNAL_KIND) && (JSON.parse(first) as { journal?: unknown }).journal === JOURNAL_KIND;
  } catch {
    return false;
  }
}

export interface ReplayResult {
  readonly expected: string | undefined;
  readonly traceHash: string | undefined;
  readonly virtualTimeMs: number;
  readonly events: number;
  readonly entries: number;
  readonly violation: ServedWorld['violation'];
}

/** Re-run a journal's World: the same entries at the same virtual times, then to its end. */
export function replayJournal(file: string): ReplayResult {
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const parse = (l: string, i: number): unknown => {
    try {
      return JSON.parse(l);
    } catch {
      throw new InputError(`${file}:${i + 1}: not JSON`);
    }
  };
  const header = parse(lines[0] ?? '', 0) as JournalHeader;
  if (header.journal !== JOURNAL_KIND || header.version !== 1) throw new InputError(`${file}:1: not a serve journal (version 1)`);
  const o = header.options;
  const topics: readonly ExtraTopic[] = o.topics;
  const served = new ServedWorld(
    {
      preset: o.preset,
      kafka: o.kafka,
      brokers: o.brokers,
      seed: o.seed,
      topics,
      timings: o.timings,
      transactionalIds: o.transactionalIds,
      offsetsTopicNumPartitions: o.offsetsTopicNumPartitions,
      transactionStateLogNumPartitions: o.transactionStateLogNumPartitions,
    },
    'full',
  );
  let end: JournalEnd | undefined;
  let entries = 0;
  lines.slice(1).forEach((l, k) => {
    const e = parse(l, k + 1) as JournalEntry | JournalEnd;
    if (end) throw new InputError(`${file}:${k + 2}: an entry after the end`);
    served.runUntil(e.t);
    if (served.world.now !== e.t) throw new InputError(`${file}:${k + 2}: time ${e.t} is before the previous entry's`);
    entries++;
    switch (e.op) {
      case 'connect': {
        const node = served.connect(() => undefined);
        if (node !== e.node) throw new InputError(`${file}:${k + 2}: connection ${e.node}, but the replay's is ${node}`);
        return;
      }
      case 'send':
        return served.send(e.from, e.to, e.msg);
      case 'fault':
        return served.inject(e.fault);
      case 'ack':
        return served.acknowledged(e.acks);
      case 'end':
        end = e;
        return;
      default:
        throw new InputError(`${file}:${k + 2}: unknown entry ${JSON.stringify((e as { op?: unknown }).op)}`);
    }
  });
  return { expected: end?.traceHash, traceHash: served.world.trace.hash(), virtualTimeMs: served.world.now, events: served.world.eventsProcessed, entries, violation: served.violation };
}
