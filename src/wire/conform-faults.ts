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
import type { RunningServer } from './server.js';

export const serveFaultNames = ['crash-leader', 'isolate-leader'] as const;
export type ServeFaultName = (typeof serveFaultNames)[number];

export function serveFault(name: ServeFaultName, server: RunningServer, o: { topics: readonly string[]; intervalMs: number }): Fault {
  const brokers = server.endpoints.map((e) => `b${e.brokerId}`);
  const controllers = server.cluster.world.nodeIds().filter((n) => n.startsWith('controller'));
  let n = 0;
  const nextTopic = () => o.topics[n++ % o.topics.length]!;
  const restartAll = () => {
    for (const b of brokers) if (!server.cluster.isUp(b)) server.control(`restart ${b}`);
  };
  switch (name) {
    case 'crash-leader':
      return {
        name,
        intervalMs: o.intervalMs,
        async inject() {
          restartAll();
          const topic = nextTopic();
          return server.control(`crash-leader ${topic} 0`).text;
        },
        async heal() {
          restartAll();
        },
      };
    case 'isolate-leader':
      return {
        name,
        intervalMs: o.intervalMs,
        async inject() {
          server.control('heal');
          const topic = nextTopic();
          const leader = server.cluster.leaderOf(topic, 0);
          if (leader === undefined) return `${topic}-0 has no leader now`;
          const others = [...brokers.filter((b) => b !== `b${leader}`), ...controllers].join(',');
          return server.control(`partition b${leader} ${others}`).text;
        },
        async heal() {
          server.control('heal');
        },
      };
  }
}
