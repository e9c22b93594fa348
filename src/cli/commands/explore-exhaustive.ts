import { writeFileSync } from 'node:fs';
import { InputError } from '../../errors.js';
import { exploreExhaustive, type ExhaustiveResult } from '../../explore/exhaustive/explorer.js';
import { exhaustiveFaultKinds, type ExhaustiveFaultKind } from '../../explore/exhaustive/space.js';
import { formatStory } from '../../explore/story.js';
import type { Io } from '../io.js';
import { progressLine } from '../progress.js';
import { replayLines } from './explore.js';

export interface ExhaustiveFlags {
  readonly property: string;
  readonly config: string;
  readonly kafka?: string;
  readonly depth: number;
  readonly brokers: number;
  readonly records: number;
  readonly budget?: number;
  readonly faults?: string;
  readonly durationMs: number;
  readonly maxStates?: number;
  readonly json?: boolean;
  readonly out?: string;
}

function parseExhaustiveFaults(value: string): ExhaustiveFaultKind[] {
  const kinds = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const k of kinds) {
    if (!(exhaustiveFaultKinds as readonly string[]).includes(k)) throw new InputError(`--faults: with --exhaustive, the fault kinds are ${exhaustiveFaultKinds.join(', ')} (got "${k}")`);
  }
  return kinds as ExhaustiveFaultKind[];
}

const many = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function counts(r: ExhaustiveResult): string {
  return `${many(r.states, 'distinct state')}, ${many(r.transitions, 'transition')}, ${many(r.runs, 'run')}, depth reached ${r.depthReached}`;
}

function report(r: ExhaustiveResult, elapsedMs: number, maxStates: number | undefined, out: string | undefined): string {
  const head = `${r.property} on ${r.config}, Kafka ${r.kafka}, ${r.brokers} brokers, ${r.records} record${r.records === 1 ? '' : 's'} (fault budget ${r.budget}), exhaustive to depth ${r.depth}`;
  const secs = `${(elapsedMs / 1000).toFixed(1)} s`;
  if (r.found) return `${head}: VIOLATED by a run of ${r.scenario?.choices?.length ?? 0} choices, after ${counts(r)} (${secs})\n\n${formatStory(r.story ?? [])}\n${replayLines(out)}`;
  if (r.exhausted) return `${head}: held; bound exhausted: ${counts(r)} (${secs})\n`;
  return `${head}: no violation, but the bound was NOT exhausted (stopped at --max-states ${maxStates}): ${counts(r)} (${secs})\n`;
}

/** `explore --exhaustive`: bounded exhaustive exploration (src/explore/exhaustive/). */
export function runExhaustive(flags: ExhaustiveFlags, io: Io, setExitCode: (code: number) => void): void {
  const faults = flags.faults === undefined ? undefined : parseExhaustiveFaults(flags.faults);
  const progress = progressLine(io, `exhaustive ${flags.property} on ${flags.config} to depth ${flags.depth}`);
  const r = exploreExhaustive({
    property: flags.property,
    preset: flags.config,
    ...(flags.kafka ? { kafka: flags.kafka } : {}),
    depth: flags.depth,
    brokers: flags.brokers,
    records: flags.records,
    ...(flags.budget === undefined ? {} : { budget: flags.budget }),
    ...(faults ? { faults } : {}),
    durationMs: flags.durationMs,
    ...(flags.maxStates === undefined ? {} : { maxStates: flags.maxStates }),
    onProgress: (p) => progress.text(`${p.states} states, ${p.transitions} transitions, ${p.runs} runs, at depth ${p.level}`),
  });
  const elapsedMs = Math.round(progress.done());
  if (r.found && flags.out) writeFileSync(flags.out, JSON.stringify(r.scenario, null, 2) + '\n');
  if (flags.json) {
    io.out(
      JSON.stringify({
        mode: 'exhaustive',
        property: r.property,
        kafka: r.kafka,
        config: r.config,
        brokers: r.brokers,
        records: r.records,
        budget: r.budget,
        depth: r.depth,
        depthReached: r.depthReached,
        states: r.states,
        transitions: r.transitions,
        runs: r.runs,
        exhausted: r.exhausted,
        found: r.found,
        elapsedMs,
        scenario: r.scenario ?? null,
        violation: r.violation ?? null,
        story: r.story ?? null,
      }) + '\n',
    );
  } else io.out(report(r, elapsedMs, flags.maxStates, flags.out));
  setExitCode(r.found ? 1 : 0);
}
