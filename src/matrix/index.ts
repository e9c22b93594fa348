import type { Scenario } from '../cluster/scenario.js';
import { releaseNamed } from '../config/index.js';
import { FeatureUnavailable } from '../errors.js';
import { defaultEpisodeKinds, type EpisodeKind } from '../workload/arbitraries.js';
import { exploreAsync } from '../explore/search.js';

/**
 * The guarantee matrix: the main properties (rows) searched on each Kafka release (columns),
 * every cell the same search, so that a column reads as what that release guarantees and a row
 * as when a guarantee arrived. A cell holds over the runs it says, or is refuted with a
 * counterexample that replays.
 */
export interface MatrixRow {
  readonly id: string;
  readonly property: string;
  /** Fault budget (brokers faulty at once); absent: the preset's default (RF - min ISR). */
  readonly budget?: number;
  readonly label: string;
  /**
   * Runs a cell is searched for, by budget: a consume-transform-produce run costs about a
   * hundred replication runs, so its row runs fewer (and says so in every cell).
   */
  readonly runs: { readonly quick: number; readonly full: number };
  /** Fault kinds searched; absent: the release's default (KRaft's controller faults included). */
  readonly faults?: readonly EpisodeKind[];
  /** The search seed, where the row needs another than the budget's (the label says why). */
  readonly seed?: number;
}

const replicationRuns = { quick: 300, full: 1000 };

export const matrixRows: readonly MatrixRow[] = [
  // Broker faults only, the same search on every release: mixing in KRaft's controller faults
  // would make the rows of 3.3 and later a thinner search of the same broker budget.
  { id: 'no-acked-loss@1', property: 'no-acked-loss', budget: 1, label: 'no acknowledged record is lost, one broker faulty at a time', runs: replicationRuns, faults: defaultEpisodeKinds },
  // Seed 1 reaches KIP-966's last replica standing on 3.6-3.9 only after more than 1,000 runs;
  // seed 4 (the one `kafka-model bugs` records for KIP-966) within 300.
  { id: 'no-acked-loss@2', property: 'no-acked-loss', budget: 2, label: 'no acknowledged record is lost, two brokers faulty at a time (search seed 4)', runs: replicationRuns, faults: defaultEpisodeKinds, seed: 4 },
  { id: 'single-active-controller', property: 'single-active-controller', label: 'KRaft: a controller cut off from the quorum does not stay active beside the new one (controller faults included)', runs: replicationRuns },
  { id: 'replica-consistency', property: 'replica-consistency', label: 'replicas agree below their high watermarks', runs: replicationRuns },
  { id: 'no-duplicates', property: 'no-duplicates', label: 'a record is written once, retries included (the release\'s producer defaults)', runs: replicationRuns },
  { id: 'exactly-once', property: 'exactly-once', label: 'consume-transform-produce writes each input\'s output once (transactions, read_committed)', runs: { quick: 40, full: 200 } },
  { id: 'group-exclusive-ownership', property: 'group-exclusive-ownership', label: 'one consumer per partition in a group, per generation', runs: { quick: 100, full: 300 } },
];

/** The releases the matrix shows unless told otherwise: each one a guarantee changed in, and the newest. */
export const matrixReleases: readonly string[] = ['0.10.2', '0.11', '1.1', '2.0', '2.1', '3.6', '3.7', '3.9', '4.0', '4.1', '4.3'];

export interface MatrixBudget {
  /** Which of each row's run counts a cell is searched for; it holds if no run broke the property. */
  readonly name: 'quick' | 'full';
  /** Shrinking steps allowed on a refuted cell (its file is written, not its story). */
  readonly maxShrinks: number;
  readonly seed: number;
}

export const matrixBudgets: Record<MatrixBudget['name'], MatrixBudget> = {
  quick: { name: 'quick', maxShrinks: 100, seed: 1 },
  full: { name: 'full', maxShrinks: 300, seed: 1 },
};

export type CellVerdict = 'holds' | 'refuted' | 'n/a';

export interface MatrixCell {
  readonly row: MatrixRow;
  readonly kafka: string;
  readonly verdict: CellVerdict;
  /** Runs searched (all of them when it held; up to the first violation when refuted). */
  readonly runs: number;
  readonly scenario: Scenario | undefined;
  /** Why a cell is not applicable (the release lacks what the property needs). */
  readonly reason: string | undefined;
}

export function checkReleases(list: readonly string[]): void {
  for (const k of list) releaseNamed(k, '--kafka');
}

/** Search one cell: the row's property on the default preset of one release. */
export async function runCell(row: MatrixRow, kafka: string, budget: MatrixBudget): Promise<MatrixCell> {
  try {
    const r = await exploreAsync({
      property: row.property,
      preset: 'default',
      kafka,
      runs: row.runs[budget.name],
      seed: row.seed ?? budget.seed,
      maxShrinks: budget.maxShrinks,
      ...(row.budget === undefined ? {} : { budget: row.budget }),
      ...(row.faults === undefined ? {} : { faults: row.faults }),
    });
    return { row, kafka, verdict: r.found ? 'refuted' : 'holds', runs: r.runs, scenario: r.scenario, reason: undefined };
  } catch (e) {
    // A release that lacks a feature the property needs (transactions before 0.11) refuses the
    // workload: the cell says so instead of a verdict.
    if (e instanceof FeatureUnavailable) return { row, kafka, verdict: 'n/a', runs: 0, scenario: undefined, reason: e.message.replace(/^[^:]*: /, '') };
    throw e;
  }
}

/** Where a refuted cell's counterexample is written, beside the report. */
export function cellFile(dir: string, cell: MatrixCell): string {
  return `${dir}/${cell.row.id.replace('@', '-budget-')}-kafka-${cell.kafka}.json`;
}

function cellText(cell: MatrixCell): string {
  if (cell.verdict === 'holds') return `holds (${cell.runs})`;
  if (cell.verdict === 'refuted') return `**refuted** (${cell.runs})`;
  return 'n/a';
}

/**
 * The matrix as Markdown: the table, then each refuted cell's replay command (when its file is
 * written to `dir`) and each n/a's reason.
 */
export function matrixMarkdown(cells: readonly MatrixCell[], releases: readonly string[], budget: MatrixBudget, dir: string | undefined): string {
  const at = (row: MatrixRow, kafka: string) => cells.find((c) => c.row === row && c.kafka === kafka);
  const rows = matrixRows.filter((r) => cells.some((c) => c.row === r));
  const lines = [
    '# Guarantee matrix',
    '',
    `Generated by \`kafka-model matrix${budget.name === 'quick' ? ' --quick' : ''} --out docs/matrix.md\`; do not edit. Each cell is one search`,
    `(\`kafka-model explore --property P --kafka V [--budget B] --runs N --seed ${budget.seed}\`, or the seed the row names) on the \`default\` preset of`,
    'that release (acks=all, RF 3, min.insync.replicas 2, no unclean election, no fsync, the release\'s',
    'own producer and consumer defaults). *holds (N)*: no run of N broke the property; this is',
    'evidence within the fault budget, not a proof. *refuted (N)*: run N broke it; the counterexample',
    'is listed below and replays to the same trace. *n/a*: the release cannot run the workload.',
    'Fault budgets are the default (RF - min ISR = 1) unless the row says otherwise; without',
    '`--correlated` at most one broker is down from a power loss at a time (spec/replication.md).',
    '',
    `| Property | ${releases.join(' | ')} |`,
    `|---|${releases.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| \`${r.id}\`: ${r.label} | ${releases.map((k) => (at(r, k) ? cellText(at(r, k)!) : '')).join(' | ')} |`),
    '',
  ];
  const refuted = cells.filter((c) => c.verdict === 'refuted');
  if (refuted.length > 0) {
    lines.push('## Counterexamples', '');
    if (dir === undefined) lines.push('Written, with their replay commands, by `--out FILE.md` (or printed whole by `--json`).');
    else for (const c of refuted) lines.push(`- \`${c.row.id}\` on ${c.kafka}: \`kafka-model replay ${cellFile(dir, c)}\``);
    lines.push('');
  }
  const na = cells.filter((c) => c.verdict === 'n/a');
  if (na.length > 0) {
    lines.push('## Not applicable', '');
    for (const c of na) lines.push(`- \`${c.row.id}\` on ${c.kafka}: ${c.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function matrixJson(cells: readonly MatrixCell[], budget: MatrixBudget, dir: string | undefined): string {
  return (
    JSON.stringify(
      {
        budget: { name: budget.name, seed: budget.seed },
        cells: cells.map((c) => ({
          property: c.row.property,
          row: c.row.id,
          ...(c.row.budget === undefined ? {} : { faultBudget: c.row.budget }),
          ...(c.row.seed === undefined ? {} : { seed: c.row.seed }),
          kafka: c.kafka,
          verdict: c.verdict,
          runs: c.runs,
          ...(c.reason === undefined ? {} : { reason: c.reason }),
          ...(c.scenario && dir !== undefined ? { replay: `kafka-model replay ${cellFile(dir, c)}` } : {}),
          scenario: c.scenario ?? null,
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
