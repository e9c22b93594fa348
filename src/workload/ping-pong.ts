import { assign, emit, setup } from 'xstate';
import type { NodeId } from '../sim/network.js';
import type { World } from '../sim/world.js';

/**
 * The kernel's own workload: pingers send Ping to a ponger and wait for Pong, with a timeout.
 * It exercises every kernel path (network, timers on the virtual clock, crashes, restarts)
 * without any Kafka logic, and is what the kernel benchmark runs.
 */
export const pongerMachine = setup({
  types: {} as { events: { type: 'Ping'; from: NodeId; n: number } | { type: 'net.disconnected'; peer: NodeId } },
}).createMachine({
  id: 'ponger',
  initial: 'serving',
  states: {
    serving: {
      on: {
        Ping: {
          actions: emit(({ event }) => ({ type: 'net.send' as const, to: event.from, msg: { type: 'Pong', n: event.n } })),
        },
      },
    },
  },
});

export const pingerMachine = setup({
  types: {} as {
    context: { target: NodeId; intervalMs: number; timeoutMs: number; n: number; pongs: number };
    input: { target: NodeId; intervalMs: number; timeoutMs: number };
    events: { type: 'Pong'; from: NodeId; n: number } | { type: 'net.disconnected'; peer: NodeId };
  },
  delays: {
    interval: ({ context }) => context.intervalMs,
    timeout: ({ context }) => context.timeoutMs,
  },
}).createMachine({
  id: 'pinger',
  context: ({ input }) => ({ ...input, n: 0, pongs: 0 }),
  initial: 'idle',
  states: {
    idle: {
      after: { interval: 'awaitingPong' },
    },
    awaitingPong: {
      entry: [
        assign({ n: ({ context }) => context.n + 1 }),
        emit(({ context }) => ({ type: 'net.send' as const, to: context.target, msg: { type: 'Ping', n: context.n } })),
      ],
      on: {
        Pong: {
          guard: ({ context, event }) => event.n === context.n,
          target: 'idle',
          actions: assign({ pongs: ({ context }) => context.pongs + 1 }),
        },
        'net.disconnected': 'idle',
      },
      after: { timeout: 'idle' },
    },
  },
});

export interface PingPongWorkload {
  kind: 'ping-pong';
  pingers: number;
  intervalMs: number;
  timeoutMs: number;
}

export const defaultPingPong: PingPongWorkload = { kind: 'ping-pong', pingers: 3, intervalMs: 10, timeoutMs: 50 };

/** Adds node 'pong' and pingers 'ping1'..'pingN'. */
export function installPingPong(world: World, w: PingPongWorkload): { nodes: NodeId[] } {
  world.addNode({ id: 'pong', boot: () => ({ logic: pongerMachine }) });
  const nodes: NodeId[] = ['pong'];
  for (let i = 1; i <= w.pingers; i++) {
    const id = `ping${i}`;
    nodes.push(id);
    world.addNode({
      id,
      boot: () => ({ logic: pingerMachine, input: { target: 'pong', intervalMs: w.intervalMs, timeoutMs: w.timeoutMs } }),
    });
  }
  return { nodes };
}
