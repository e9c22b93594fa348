/**
 * `serve --nemesis crash-leader,partition --interval 5s`: a scheduled nemesis on the live
 * cluster, as Jepsen's Kafka test runs one (jepsen.kafka's nemesis package: a fault every
 * interval, each undone before the next). Every interval the next nemesis in turn undoes the
 * previous fault and strikes the leader of the next partition (all topics' partitions in turn),
 * resolved from the model's state at that moment, as conform's serve faults do
 * (conform-faults.ts):
 *
 * - `crash-leader`: process crash of the leader (its page cache survives);
 * - `power-loss-leader`: the leader's machine loses power (unflushed writes are lost);
 * - `partition`: the leader cut off from the other brokers and the controllers (its clients
 *   still reach it: the split Kafka's acks=1 loses writes in, KAFKA-1211's family);
 * - `delay`: the leader's messages take `DELAY_MS` longer for most of the interval.
 *
 * Each fault is a control command (control.ts), so it is in the World's fault list and, with
 * `--record`, in the journal: a replay re-runs the same faults at the same virtual times. At
 * most one broker is down and one cut is in place at a time (within the default fault budget,
 * RF 3 and min.insync.replicas 2). The wall-clock timer lives here, in the server layer; the
 * World sees only the faults, at its virtual time.
 */
import { InputError } from '../errors.js';
import type { ControlResult } from './control.js';
import type { LiveCluster } from './live-cluster.js';

export const NEMESES = ['crash-leader', 'power-loss-leader', 'partition', 'delay'] as const;
export type NemesisName = (typeof NEMESES)[number];

/** The extra latency of the `delay` nemesis (Jepsen's slow-network nemesis is of this order). */
export const DELAY_MS = 100;

/** `--nemesis crash-leader,partition`: distinct names from NEMESES. */
export function parseNemesis(text: string): NemesisName[] {
  const names = text.split(',').map((n) => n.trim());
  for (const [i, n] of names.entries()) {
    if (!(NEMESES as readonly string[]).includes(n)) throw new InputError(`--nemesis takes a comma-separated list of ${NEMESES.join(', ')}; got ${JSON.stringify(n)}`);
    if (names.indexOf(n) !== i) throw new InputError(`--nemesis: ${n} is named twice`);
  }
  return names as NemesisName[];
}

/** `--interval 5s`, `500ms`, or a bare number of seconds; from 50 ms to a day. */
export function parseInterval(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(text);
  const ms = m ? Math.round(Number(m[1]) * (m[2] === 'ms' ? 1 : 1000)) : NaN;
  if (!Number.isFinite(ms) || ms < 50 || ms > 86_400_000) throw new InputError(`--interval takes a duration from 50ms to 86400s, as 5s, 500ms or a number of seconds; got ${JSON.stringify(text)}`);
  return ms;
}

/** What the nemesis needs of the running server: its cluster and the control command path. */
export interface NemesisTarget {
  readonly cluster: LiveCluster;
  control(line: string): ControlResult;
}

/** Runs one control command and says what it did (the nemesis also logs it). */
type Run = (command: string) => string;

/**
 * Undo every fault the control path made: heal every cut, restart every broker and controller
 * that is down. Returns what each command said.
 */
export function undoFaults(server: NemesisTarget, run: Run): string[] {
  const done: string[] = [];
  // A heal with no cut is a no-op fault: skip it.
  if (server.cluster.world.network.cutNodes().length > 0) done.push(run('heal'));
  for (const n of server.cluster.clusterNodes()) if (!server.cluster.isUp(n)) done.push(run(`restart ${n}`));
  return done;
}

/** Strike the current leader of the partition with one nemesis, resolved from the model's state now. */
export function strikeLeader(server: NemesisTarget, run: Run, name: NemesisName, topic: string, partition: number, intervalMs: number): string | undefined {
  const leader = server.cluster.leaderOf(topic, partition);
  if (leader === undefined) return undefined;
  const b = `b${leader}`;
  switch (name) {
    case 'crash-leader':
      return run(`crash-leader ${topic} ${partition}`);
    case 'power-loss-leader':
      return run(`power-loss ${b}`);
    case 'partition': {
      const others = server.cluster.clusterNodes().filter((n) => n !== b);
      return run(`partition ${b} ${others.join(',')}`);
    }
    case 'delay':
      // For most of the interval, so that it has ended when the next step comes.
      return run(`delay ${b} ${DELAY_MS} ${(intervalMs * 0.8) / 1000}`);
  }
}

export class Nemesis {
  private turn = 0;
  private target = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** What each step did, one line each (`serve` prints them with --verbose; tests read them). */
  readonly log: string[] = [];

  constructor(
    private readonly server: NemesisTarget,
    readonly names: readonly NemesisName[],
    readonly intervalMs: number,
    /** Told each action as it happens (serve prints them). */
    private readonly onAction: (line: string) => void = () => undefined,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => this.step(), this.intervalMs);
    // The nemesis alone does not keep a process alive whose server has gone.
    this.timer.unref();
  }

  private readonly run = (command: string): string => {
    const r = this.server.control(command);
    const line = `${r.ok ? '' : 'failed: '}${r.text}`;
    this.log.push(line);
    this.onAction(line);
    return line;
  };

  /** The partitions of every topic, in a fixed order: the nemesis aims at each one's leader in turn. */
  private nextPartition(): [string, number] {
    const all = [...this.server.cluster.topics].flatMap(([t, n]) => Array.from({ length: n }, (_, p) => [t, p] as [string, number]));
    return all[this.target++ % all.length]!;
  }

  /** One nemesis step (the timer calls it every interval; a test may call it directly). */
  step(): string {
    if (this.stopped) return 'stopped';
    undoFaults(this.server, this.run);
    const name = this.names[this.turn++ % this.names.length]!;
    const [topic, partition] = this.nextPartition();
    const struck = strikeLeader(this.server, this.run, name, topic, partition, this.intervalMs);
    if (struck !== undefined) return struck;
    const line = `${name}: ${topic}-${partition} has no leader now`;
    this.log.push(line);
    this.onAction(line);
    return line;
  }

  /** Stop the schedule, then heal every cut and restart every node that is down; returns what that took. */
  stop(): string[] {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.stopped) return [];
    this.stopped = true;
    return undoFaults(this.server, this.run);
  }
}
