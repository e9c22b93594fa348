/**
 * Faults on a live cluster: `serve`'s control commands, one per line (stdin), each applied to
 * the World at once as the same Fault data a search schedules (src/sim/faults.ts), so a fault
 * reaches real clients exactly as it reaches the model's own: a crashed broker's connections
 * reset and its port refuses new ones, a partition drops messages on the cut links. Every fault
 * is kept in the World's fault list.
 *
 *   crash NODE | power-loss NODE | shutdown NODE | restart NODE
 *   crash-leader [TOPIC [PARTITION]]      the broker that leads the partition (default t 0)
 *   partition NODE[,NODE...] NODE[,NODE...]   cut the two sides off from each other
 *   heal [NODE...]
 *   delay NODE MS SECONDS                 extra latency on the node's messages for a while
 *   status                                 the leaders and ISRs, as the controller last said
 *   nemesis stop                           (serve --nemesis) end the schedule, undo its last fault (server.ts)
 */
import { DATA_TOPIC } from '../machines/protocol.js';
import type { Fault } from '../sim/faults.js';
import type { LiveCluster } from './live-cluster.js';

export type ControlResult = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly text: string };

type FaultWithoutTime = Fault extends infer F ? (F extends { at: number } ? Omit<F, 'at'> : never) : never;

export function control(cluster: LiveCluster, line: string): ControlResult {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  const [cmd, ...args] = words;
  const nodes = cluster.clusterNodes();
  const node = (name: string | undefined): string => {
    if (name === undefined || !nodes.includes(name)) throw new Error(`unknown node ${JSON.stringify(name ?? '')} (nodes: ${nodes.join(', ')})`);
    return name;
  };
  const apply = (f: FaultWithoutTime, text: string): ControlResult => {
    cluster.inject(f as Omit<Fault, 'at'>);
    return { ok: true, text };
  };
  try {
    switch (cmd) {
      case 'crash':
        return apply({ type: 'crash', node: node(args[0]), kind: 'process' }, `crashed ${args[0]} (process crash: its page cache survives)`);
      case 'power-loss':
        return apply({ type: 'crash', node: node(args[0]), kind: 'power-loss' }, `${args[0]} lost power (unflushed writes lost)`);
      case 'shutdown':
        if (!/^b\d+$/.test(args[0] ?? '')) throw new Error('only a broker shuts down cleanly');
        return apply({ type: 'shutdown', node: node(args[0]) }, `controlled shutdown of ${args[0]}`);
      case 'restart':
        return apply({ type: 'restart', node: node(args[0]) }, `restarted ${args[0]}`);
      case 'crash-leader': {
        const topic = args[0] ?? DATA_TOPIC;
        const partition = Number(args[1] ?? 0);
        const leader = cluster.leaderOf(topic, partition);
        if (leader === undefined) throw new Error(`${topic}-${partition} has no leader now`);
        return apply({ type: 'crash', node: `b${leader}`, kind: 'process' }, `crashed b${leader}, the leader of ${topic}-${partition}`);
      }
      case 'partition': {
        if (args.length !== 2) throw new Error('partition takes two sides: NODE[,NODE...] NODE[,NODE...]');
        const from = args[0]!.split(',').map(node);
        const to = args[1]!.split(',').map(node);
        return apply({ type: 'partition', from, to }, `cut ${from.join(',')} off from ${to.join(',')}`);
      }
      case 'heal':
        return apply(args.length === 0 ? { type: 'heal' } : { type: 'heal', nodes: args.map(node) }, args.length === 0 ? 'healed every cut' : `healed the cuts touching ${args.join(', ')}`);
      case 'delay': {
        const ms = Number(args[1]);
        const seconds = Number(args[2]);
        if (!Number.isInteger(ms) || ms < 0 || !Number.isFinite(seconds) || seconds <= 0) throw new Error('delay takes NODE MS SECONDS');
        return apply({ type: 'latency', node: node(args[0]), ms, durationMs: Math.round(seconds * 1000) }, `${args[0]}'s messages take ${ms} ms longer for ${seconds} s`);
      }
      case 'status':
        return { ok: true, text: cluster.status() };
      default:
        throw new Error(`unknown command ${JSON.stringify(cmd ?? '')} (crash, power-loss, shutdown, restart, crash-leader, partition, heal, delay, status, nemesis stop, report, quit)`);
    }
  } catch (e) {
    return { ok: false, text: (e as Error).message };
  }
}
