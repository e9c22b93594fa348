import { CONTROLLER } from '../machines/protocol.js';
import { isControllerNode } from '../machines/raft-protocol.js';
import type { Aim, AimedAction, Fault } from '../sim/faults.js';
import type { TraceEvent } from '../sim/trace.js';

/**
 * A run told as a short numbered story: the faults, the role and ISR changes, truncations,
 * the acknowledgements that matter, and the step where a property broke. Heartbeats, fetches
 * and timers are left out: they are in the full trace (`replay --json`, `--diagram`).
 */
export interface StoryStep {
  readonly n: number;
  readonly t: number;
  readonly text: string;
  /** Index of the trace entry the step comes from. */
  readonly traceIndex: number;
}

export function describeFault(f: Fault): string {
  switch (f.type) {
    case 'crash':
      return f.kind === 'process'
        ? `${f.node} process crashes (the page cache survives)`
        : `${f.node} ${f.kind === 'power-loss' ? 'loses power' : 'crashes'}${f.tear ? ' (last writes may be torn)' : ''}`;
    case 'shutdown':
      return `${f.node} shuts down (controlled)`;
    case 'restart':
      return `${f.node} restarts`;
    case 'partition':
      return `network partition: [${f.from.join(', ')}] ${f.oneWay ? '->' : '<->'} [${f.to.join(', ')}] cut`;
    case 'heal':
      return f.nodes ? `network heals around ${f.nodes.join(', ')}` : 'network heals';
    case 'latency':
      return f.peer === undefined ? `${f.node} slows down: +${f.ms} ms per message for ${f.durationMs} ms` : `link ${f.node} <-> ${f.peer} slows down: +${f.ms} ms per message for ${f.durationMs} ms`;
    case 'disconnect':
      return `connection ${f.a} <-> ${f.b} drops`;
    case 'aimed':
      return `${aimedVerb[f.action]} ${aimText[f.aim]} for ${f.durationMs} ms`;
  }
}

const aimedVerb: Readonly<Record<AimedAction, string>> = { crash: 'power loss of', 'process-crash': 'process crash of', isolate: 'isolate', 'isolate-from-controller': 'cut from the controller:' };
/** An aim, as a story says it. */
const aimText: Readonly<Record<Aim, string>> = {
  leader: 'the leader',
  'isr-followers': "the ISR's followers",
  isr: 'the whole ISR, once it has shrunk',
  rejoined: 'the broker that rejoins the ISR',
  'group-coordinator': 'the group coordinator, mid-rebalance',
  'txn-coordinator': 'the transaction coordinator, mid-commit',
  controller: 'the active controller',
};

/**
 * A fault's step kind: crashes are told apart by what they cost (a crash without a kind is a
 * power loss, written as scenario files before the kinds were), so only alike ones are merged.
 */
function faultStepKind(f: Fault): string {
  if (f.type !== 'crash') return f.type;
  return f.kind === 'process' ? 'process-crash' : f.kind === 'power-loss' ? 'power-loss' : 'crash';
}

/** What several nodes did at one instant, for a merged step: "b1, b2 crash". */
const mergedVerb: Readonly<Record<string, string>> = { crash: 'crash', 'power-loss': 'lose power', 'process-crash': 'process crash', restart: 'restart' };

/**
 * Notes worth a step: fencing, registration, leadership, accepted ISR changes, truncation; and
 * for consumer groups, rebalances and generations, stalls, leaves, lost partitions, refused
 * commits.
 */
const replicationNote = /fenced|re-registered|leader in epoch|ISR of .* is now|truncated/;
/**
 * KRaft: a controller failover (a new active controller, a leader resigning). The quorum's first
 * election, at start, is routine and left to the trace.
 */
const controlPlaneNote = /is the active controller|resigns as leader/;
/** Topic administration, in every story: the controller adding partitions, a producer seeing them. */
const topicNote = /partitions \(CreatePartitions\)|sees \d+ partitions of/;
const groupNote = /PreparingRebalance|generation \d+:|session expired|Stable in generation|loading|unloaded|stalls for|leaves|lost \[|commit failed|fenced|fencing|removed/;

/**
 * Idempotence and transactions: refused writes, epoch bumps, how each transaction ended, ABORT
 * markers, fencing. Routine steps (COMMIT markers, coordinators loading, a transaction's first
 * output) are in the trace.
 */
const txnNote = /refused|must abort|bumps its producer epoch|ends transaction|committed transaction|aborted transaction|aborts|ABORT marker|PrepareEpochFence|timed out|initialising again|fenced|zombie/;
/** Group notes a transaction story leaves out: the first generation forming is routine. */
const routineForTransactions = /loading|generation 0\)|generation \d+: \d+ member|Stable in generation|^group-\S+ session expired|ends transaction \d+: commit$/;

/** What a story is about: replication (the default), consumer groups (replication left out), or transactions. */
export type StoryFocus = 'replication' | 'groups' | 'transactions';

export function storyOf(trace: readonly TraceEvent[], focus: StoryFocus = 'replication'): StoryStep[] {
  const interestingNote =
    focus === 'groups'
      ? groupNote
      : focus === 'transactions'
        ? new RegExp(`${groupNote.source}|${txnNote.source}`)
        : new RegExp(`${replicationNote.source}|${groupNote.source}`);
  let firstActivationSeen = false;
  const steps: { t: number; text: string; traceIndex: number; kind?: string; nodes: string[]; lost: string[]; sends?: { count: number; first: string; partition: unknown } }[] = [];
  let acks: { t: number; first: string; last: string; count: number; traceIndex: number } | undefined;
  const flushAcks = () => {
    if (!acks) return;
    steps.push({
      t: acks.t,
      text: acks.count === 1 ? `acknowledged: ${acks.first}` : `acknowledged ${acks.count} sends: ${acks.first} ... ${acks.last}`,
      traceIndex: acks.traceIndex,
      nodes: [],
      lost: [],
    });
    acks = undefined;
  };
  trace.forEach((ev, i) => {
    switch (ev.e) {
      case 'fault': {
        // An aimed fault is told by the faults it resolves to (their effect names the aim).
        if (ev.fault.type === 'aimed') return;
        flushAcks();
        const f = ev.fault;
        const last = steps[steps.length - 1];
        // Crashes (or restarts) of several nodes at one instant, of one kind, are one step.
        const kind = faultStepKind(f);
        if ((f.type === 'crash' || f.type === 'restart') && last && last.t === ev.t && last.kind === kind && !ev.effect) {
          last.nodes.push(f.node);
          last.text = `${last.nodes.join(', ')} ${mergedVerb[kind]}`;
          return;
        }
        steps.push({
          t: ev.t,
          text: describeFault(f) + (ev.effect ? ` (${ev.effect})` : ''),
          traceIndex: i,
          kind,
          nodes: f.type === 'crash' || f.type === 'restart' ? [f.node] : [],
          lost: [],
        });
        return;
      }
      case 'disk':
        if (ev.op === 'lost' && ev.n > 0) {
          const last = steps[steps.length - 1];
          if (last && last.t === ev.t && (last.kind === 'crash' || last.kind === 'power-loss') && !last.lost.includes(ev.node)) last.lost.push(ev.node);
        }
        return;
      case 'note': {
        if (ev.text.startsWith('history ')) {
          const op = ev.data as { type: string; f: string; process: number; value: [string, number, unknown][] };
          // Sends tell the story of what was acknowledged; polls are in the trace.
          // A transaction story tells each transaction's end instead of every send's.
          if (focus !== 'replication' || op.f !== 'send' || (op.type !== 'ok' && op.type !== 'info' && op.type !== 'fail')) return;
          const [, key, v] = op.value[0]!;
          const desc = op.type === 'ok' ? `value ${(v as number[])[1]} at ${key}:${(v as number[])[0]}` : `value ${v as number}`;
          if (op.type !== 'ok') {
            flushAcks();
            // Sends to one partition that end the same way one after another (a leader gone,
            // retries = 0) are one step.
            const kind = `send-${op.type}`;
            const outcome = op.type === 'fail' ? 'failed' : 'unknown (info)';
            const last = steps[steps.length - 1];
            if (last?.kind === kind && last.sends?.partition === key) {
              last.sends.count++;
              last.text = `${last.sends.count} sends to partition ${key} end ${outcome}: ${last.sends.first} ... ${desc}`;
              return;
            }
            steps.push({ t: ev.t, text: `send of ${desc} to partition ${key} ends ${outcome}`, traceIndex: i, kind, nodes: [], lost: [], sends: { count: 1, first: desc, partition: key } });
            return;
          }
          if (acks) {
            acks.last = desc;
            acks.count++;
          } else acks = { t: ev.t, first: desc, last: desc, count: 1, traceIndex: i };
          return;
        }
        const fromControlPlane = ev.node === CONTROLLER || isControllerNode(ev.node);
        if (topicNote.test(ev.text)) {
          flushAcks();
          steps.push({ t: ev.t, text: `${ev.node}: ${ev.text}`, traceIndex: i, nodes: [], lost: [] });
          return;
        }
        if (focus === 'replication' && fromControlPlane && controlPlaneNote.test(ev.text)) {
          if (!firstActivationSeen && /is the active controller/.test(ev.text)) {
            firstActivationSeen = true;
            return;
          }
          flushAcks();
          steps.push({ t: ev.t, text: `${ev.node}: ${ev.text}`, traceIndex: i, nodes: [], lost: [] });
          return;
        }
        // A group story leaves the controller's replication bookkeeping out.
        if (!interestingNote.test(ev.text) || (focus !== 'replication' && fromControlPlane)) return;
        if (focus === 'transactions' && routineForTransactions.test(ev.text)) return;
        flushAcks();
        steps.push({ t: ev.t, text: `${ev.node}: ${ev.text}`, traceIndex: i, nodes: [], lost: [] });
        return;
      }
      case 'violation':
        flushAcks();
        steps.push({ t: ev.t, text: `PROPERTY BROKEN: ${ev.property}: ${ev.message}`, traceIndex: i, nodes: [], lost: [] });
        return;
      default:
        return;
    }
  });
  flushAcks();
  return steps.map((s, i) => ({
    n: i + 1,
    t: s.t,
    text: s.lost.length > 0 ? `${s.text}: unflushed writes lost on ${s.lost.join(', ')}` : s.text,
    traceIndex: s.traceIndex,
  }));
}

export function formatStory(steps: readonly StoryStep[]): string {
  const width = String(steps.length).length;
  return steps.map((s) => `  ${String(s.n).padStart(width)}. [t=${s.t} ms] ${s.text}`).join('\n') + '\n';
}
