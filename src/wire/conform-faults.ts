/**
 * Faults `conform --serve` injects into the model's live cluster, through serve's control
 * channel (control.ts): the same Fault data a search schedules, applied while the conformance
 * workload runs.
 *
 * - `crash-leader`: crash (process crash) the leader of one key's topic, after restarting the
 *   broker the previous injection crashed, so at most one broker is down at a time (within the
 *   default fault budget: RF 3, min.insync.replicas 2).
 * - `isolate-leader`: cut the leader of one key's topic off from the other brokers and the
 *   controllers (its clients still reach it), after healing the previous cut. With acks=-1 it
 *   can acknowledge nothing meanwhile; with acks=1 it would.
 */
import type { Fault } from '../oracle/conform/runner.js';
import { strikeLeader, undoFaults } from './nemesis.js';
import type { RunningServer } from './server.js';

export const serveFaultNames = ['crash-leader', 'isolate-leader'] as const;
export type ServeFaultName = (typeof serveFaultNames)[number];

/** Each serve fault is a step of serve's nemesis (nemesis.ts): undo the previous fault, then strike one key's topic's leader. */
const nemesisOf = { 'crash-leader': 'crash-leader', 'isolate-leader': 'partition' } as const;

export function serveFault(name: ServeFaultName, server: RunningServer, o: { topics: readonly string[]; intervalMs: number }): Fault {
  const run = (command: string) => server.control(command).text;
  let n = 0;
  return {
    name,
    intervalMs: o.intervalMs,
    async inject() {
      undoFaults(server, run);
      const topic = o.topics[n++ % o.topics.length]!;
      return strikeLeader(server, run, nemesisOf[name], topic, 0, o.intervalMs) ?? `${topic}-0 has no leader now`;
    },
    async heal() {
      undoFaults(server, run);
    },
  };
}
