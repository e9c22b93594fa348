import { and, assign, createMachine, emit, not, or, setup, stateIn } from 'xstate';
import { describe, expect, it } from 'vitest';
import { dotToSvg } from '../../src/diagrams/graphviz.js';
import { machineGraph } from '../../src/diagrams/machine-graph.js';
import { machineToDot, machineToMermaid } from '../../src/diagrams/state-diagram.js';
import { pingerMachine, pongerMachine } from '../../src/workload/ping-pong.js';

/** Mermaid decodes `#NN;` entity codes after parsing: this is the text a reader sees. */
const decode = (s: string) => s.replace(/#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)));

/** A replica-like machine: guards of every kind, a delay, an eventless transition, actions. */
function flatMachine() {
  return setup({
    guards: { isLeaderEpochCurrent: () => true, hasQuorum: (_: unknown, _p: { min: number }) => true },
    actions: { appendRecords: () => {}, bumpEpoch: () => {} },
    delays: { replicaLagTime: 30_000 },
  }).createMachine({
    id: 'replica',
    initial: 'Offline',
    states: {
      Offline: { on: { BecomeLeader: { target: 'Leader', guard: 'isLeaderEpochCurrent' }, BecomeFollower: 'Follower' } },
      Leader: {
        on: {
          Produce: { actions: 'appendRecords' },
          LeaderAndIsr: { target: 'Leader', reenter: true, actions: 'bumpEpoch' },
          Shrink: { target: 'Follower', guard: { type: 'hasQuorum', params: { min: 2 } } },
          Resign: [{ target: 'Follower', guard: ({ context }) => context !== undefined }, { target: 'Offline' }],
        },
        always: { target: 'Offline', guard: not('isLeaderEpochCurrent') },
      },
      Follower: { after: { replicaLagTime: 'Offline', 500: { target: 'Follower', reenter: true } } },
    },
  });
}

describe('machineToMermaid', () => {
  it('draws states, the initial state, and every transition with its event and guard', () => {
    expect(machineToMermaid(flatMachine())).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> Offline',
        '  Offline',
        '  Leader',
        '  Leader : Produce / appendRecords',
        '  Follower',
        '  Offline --> Leader : BecomeLeader [isLeaderEpochCurrent]',
        '  Offline --> Follower : BecomeFollower',
        '  Leader --> Leader : LeaderAndIsr',
        '  Leader --> Follower : Shrink [hasQuorum]',
        '  Leader --> Follower : Resign [guard]',
        '  Leader --> Offline : Resign',
        '  Leader --> Offline : always [!isLeaderEpochCurrent]',
        // JavaScript puts integer keys first: `500` comes before `replicaLagTime`.
        '  Follower --> Follower : after 500ms',
        '  Follower --> Offline : after replicaLagTime',
        '',
      ].join('\n'),
    );
  });

  it('with actions: shows them on edges and lists entry/exit actions', () => {
    const m = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { entry: 'start', exit: ['stop', assign({})], on: { GO: { target: 'b', actions: ['log', emit({ type: 'x' })] } } }, b: {} },
    });
    const out = machineToMermaid(m, { actions: true });
    expect(out).toContain('  a : entry / start\n');
    expect(out).toContain('  a : exit / stop, assign\n');
    expect(out).toContain('  a --> b : GO / log, emit\n');
    expect(machineToMermaid(m)).toContain('  a --> b : GO\n');
  });

  it('nests compound states, with an initial arrow in each, and writes edges in the innermost block holding both ends', () => {
    const m = createMachine({
      id: 'broker',
      initial: 'Starting',
      states: {
        Starting: { on: { Registered: 'Running' } },
        Running: {
          initial: 'Fenced',
          states: {
            Fenced: { on: { Heartbeat: 'Active' } },
            Active: { on: { SessionTimeout: 'Fenced', Shutdown: '#broker.Stopped' } },
          },
          on: { Crash: 'Starting' },
        },
        Stopped: { type: 'final' },
      },
    });
    expect(machineToMermaid(m)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> Starting',
        '  Starting',
        '  state Running {',
        '    [*] --> Fenced',
        '    Fenced',
        '    Active',
        '    Fenced --> Active : Heartbeat',
        '    Active --> Fenced : SessionTimeout',
        '  }',
        '  Stopped',
        '  Stopped --> [*]',
        '  Starting --> Running : Registered',
        '  Running --> Starting : Crash',
        '  Active --> Stopped : Shutdown',
        '',
      ].join('\n'),
    );
  });

  it('draws parallel regions separated by --', () => {
    const m = createMachine({
      id: 'member',
      initial: 'Joined',
      states: {
        Joined: {
          type: 'parallel',
          states: {
            Heartbeat: { initial: 'Idle', states: { Idle: { after: { 3000: 'Sending' } }, Sending: { on: { HeartbeatResponse: 'Idle' } } } },
            Fetching: { initial: 'Polling', states: { Polling: { on: { Revoke: 'Paused' } }, Paused: {} } },
          },
          on: { LeaveGroup: 'Left' },
        },
        Left: { type: 'final' },
      },
    });
    expect(machineToMermaid(m)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> Joined',
        '  state Joined {',
        '    state Heartbeat {',
        '      [*] --> Idle',
        '      Idle',
        '      Sending',
        '      Idle --> Sending : after 3000ms',
        '      Sending --> Idle : HeartbeatResponse',
        '    }',
        '    --',
        '    state Fetching {',
        '      [*] --> Polling',
        '      Polling',
        '      Paused',
        '      Polling --> Paused : Revoke',
        '    }',
        '  }',
        '  Left',
        '  Left --> [*]',
        '  Joined --> Left : LeaveGroup',
        '',
      ].join('\n'),
    );
  });

  it('draws the root as a state when it handles events itself, and a parallel root as a block', () => {
    const m = createMachine({ id: 'coordinator', initial: 'Loading', on: { Reset: '.Loading', Tick: { actions: 'expire' } }, states: { Loading: { on: { Loaded: 'Active' } }, Active: {} } });
    const out = machineToMermaid(m);
    expect(out).toContain('  [*] --> coordinator\n  state coordinator {\n    [*] --> Loading\n');
    // An edge from the root to its child is written outside the root's block.
    expect(out).toContain('  }\n  note right of coordinator : Tick / expire\n  coordinator --> Loading : Reset\n');
    expect(out).toContain('note right of coordinator : Tick / expire');

    const p = createMachine({ id: 'p', type: 'parallel', states: { a: { initial: 'x', states: { x: {} } }, b: { initial: 'y', states: { y: {} } } } });
    expect(machineToMermaid(p)).toContain('  state p {\n    state a {\n      [*] --> x\n      x\n    }\n    --\n    state b {');
  });

  it('names guards: named, parameterized, inline, not/and/or, stateIn', () => {
    const m = setup({ guards: { a: () => true, b: () => true } }).createMachine({
      id: 'g',
      initial: 's',
      states: {
        s: {
          on: {
            E1: { target: 't', guard: and(['a', or(['b', not('a')])]) },
            E2: { target: 't', guard: stateIn('#g.t') },
            E3: { target: 't', guard: function offsetInRange() { return true; } },
          },
        },
        t: {},
      },
    });
    const out = machineToMermaid(m);
    expect(decode(out)).toContain('s --> t : E1 [a && (b || !a)]');
    expect(decode(out)).toContain('s --> t : E2 [in #g.t]');
    expect(out).toContain('s --> t : E3 [offsetInRange]');
  });

  it('shows history states, onDone and invoked actors', () => {
    const m = createMachine({
      id: 'h',
      initial: 'work',
      states: {
        work: {
          initial: 'one',
          states: { one: { on: { NEXT: 'two' } }, two: { type: 'final' }, hist: { type: 'history', history: 'deep' } },
          onDone: 'done',
          invoke: { src: 'loader', id: 'load1' },
        },
        done: {},
      },
    });
    const out = machineToMermaid(m);
    expect(out).toContain('state "H*" as hist');
    expect(out).toContain('  work --> done : done\n');
    expect(out).toContain('note right of work : invoke loader');
  });

  it('gives clashing or unsafe state names safe, unique ids and keeps the names as labels', () => {
    const m = createMachine({
      id: 'x',
      initial: 'a',
      states: {
        a: { initial: 'Leader', states: { Leader: { on: { 'go:now; #1 "q" <b>': '#x.b.Leader' } } } },
        b: { initial: 'Leader', states: { Leader: {} } },
        'in-sync': { on: { E: 'end' } },
        end: {},
        defaultRoute: {},
      },
    });
    const out = machineToMermaid(m);
    expect(out).toContain('state "Leader" as a_Leader');
    expect(out).toContain('state "Leader" as b_Leader');
    expect(out).toContain('[*] --> a_Leader');
    expect(out).toContain('state "in-sync" as in_sync');
    expect(out).toContain('state "end" as end_');
    expect(out).toContain('in_sync --> end_ : E');
    expect(out).toContain('state "defaultRoute" as s_defaultRoute');
    // The odd event name: no raw character that Mermaid's state grammar treats specially.
    const edge = out.split('\n').find((l) => l.includes('a_Leader --> b_Leader'))!;
    const label = edge.slice(edge.indexOf(' : ') + 3);
    expect(label.replace(/#\d+;/g, '')).not.toMatch(/[:;"<#]/);
    expect(decode(label)).toBe('go:now; #1 "q" <b>');
  });

  it('is deterministic: the same definition always gives the same text', () => {
    expect(machineToMermaid(flatMachine())).toBe(machineToMermaid(flatMachine()));
    expect(machineToDot(flatMachine())).toBe(machineToDot(flatMachine()));
    expect(machineToMermaid(pingerMachine)).toBe(machineToMermaid(pingerMachine));
  });

  it('draws the ping-pong machines', () => {
    expect(machineToMermaid(pingerMachine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> idle',
        '  idle',
        '  awaitingPong',
        '  idle --> awaitingPong : after interval',
        '  awaitingPong --> idle : Pong [guard]',
        '  awaitingPong --> idle : net.disconnected',
        '  awaitingPong --> idle : after timeout',
        '',
      ].join('\n'),
    );
    expect(machineToMermaid(pongerMachine)).toBe(['stateDiagram-v2', '  [*] --> serving', '  serving', '  serving : Ping / emit', ''].join('\n'));
  });
});

describe('machineGraph', () => {
  it('reads transitions in definition order and keeps targetless ones inside their state', () => {
    const g = machineGraph(flatMachine());
    expect(g.edges.map((e) => `${e.source}>${e.targets.join(',')}:${e.kind}`)).toEqual([
      'replica.Offline>replica.Leader:event',
      'replica.Offline>replica.Follower:event',
      'replica.Leader>replica.Leader:event',
      'replica.Leader>replica.Follower:event',
      'replica.Leader>replica.Follower:event',
      'replica.Leader>replica.Offline:event',
      'replica.Leader>replica.Offline:always',
      'replica.Follower>replica.Follower:after',
      'replica.Follower>replica.Offline:after',
    ]);
    expect(g.states.get('replica.Leader')!.internal.map((e) => [e.trigger, e.actions])).toEqual([['Produce', ['appendRecords']]]);
    expect(g.edges[2]!.reenter).toBe(true);
  });
});

describe('machineToDot and dotToSvg', () => {
  it('draws composite states as clusters and clips edges at their border', () => {
    const m = createMachine({
      id: 'm',
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { initial: 'b1', states: { b1: { on: { X: 'b2' } }, b2: {} }, on: { BACK: 'a' } } },
    });
    const dot = machineToDot(m);
    expect(dot).toMatch(/^digraph "m" \{\n/);
    expect(dot).toContain('subgraph "cluster_m.b" {');
    expect(dot).toContain('"m.b" -> "m.b.b1" [arrowsize=0.6];');
    // Each label is a node on its edge (tail -> label -> head), clipped at the clusters' borders.
    expect(dot).toContain('"m.a" -> "m.a → m.b" [arrowhead=none];');
    expect(dot).toContain('"m.a → m.b" -> "m.b" [lhead="cluster_m.b"];');
    expect(dot).toContain('"m.b#any" -> "m.b → m.a" [arrowhead=none, ltail="cluster_m.b"];');
    expect(dot).toContain('"m.b → m.a" -> "m.a";');
    expect(dot).toContain('"m.b#any" [shape=point, style=invis');
    expect(dot).toContain('"m.b.b1" -> "m.b.b1 → m.b.b2" [arrowhead=none];');
    expect(dot).toContain('"m.b.b1 → m.b.b2" -> "m.b.b2";');
    // A label sits in the innermost cluster holding both ends: X's inside m.b, GO's outside it.
    const inB = dot.slice(dot.indexOf('subgraph "cluster_m.b" {'), dot.indexOf('}', dot.indexOf('subgraph "cluster_m.b" {')));
    expect(inB).toContain('"m.b.b1 → m.b.b2" [shape=none, margin="0.15,0.02", fontsize=9, label="X"];');
    expect(inB).not.toContain('label="GO"');
    expect(dot).toContain('"m.a → m.b" [shape=none, margin="0.15,0.02", fontsize=9, label="GO"];');
  });

  it('escapes quotes and backslashes in DOT strings', () => {
    const m = createMachine({ id: 'q"1', initial: 'a', states: { a: { on: { 'say "hi" \\o/': 'b' } }, b: {} } });
    const dot = machineToDot(m);
    expect(dot).toContain('label="say \\"hi\\" \\\\o/"');
    expect(dot).toMatch(/^digraph "q\\"1" \{/);
  });

  it('lays out to an SVG that names every state and event', async () => {
    const m = flatMachine();
    const svg = await dotToSvg(machineToDot(m));
    expect(svg).toContain('<svg');
    for (const name of ['Offline', 'Leader', 'Follower', 'BecomeLeader [isLeaderEpochCurrent]', 'after replicaLagTime', 'Produce / appendRecords']) {
      expect(svg).toContain(name);
    }
    expect(await dotToSvg(machineToDot(m))).toBe(svg);
  });

  it('lays out nested, parallel and odd-named machines without Graphviz errors', async () => {
    const m = createMachine({
      id: 'odd',
      initial: 'P',
      states: {
        P: {
          type: 'parallel',
          states: { r1: { initial: 'x', states: { x: { on: { 'a"b': 'y' } }, y: {} } }, r2: { initial: 'z', states: { z: { on: { Q: '#odd.Done' } } } } },
          on: { 'back\\slash': 'P' },
        },
        Done: { type: 'final' },
      },
    });
    const svg = await dotToSvg(machineToDot(m));
    for (const name of ['P', 'r1', 'r2', 'x', 'y', 'z', 'Done']) expect(svg).toContain(`>${name}</text>`);
    expect(svg).toContain('>a&quot;b</text>');
    expect(svg).toContain('>back\\slash</text>');
  });
});

describe('machineToDot, transitions from a state into its own substates', () => {
  it('starts them at a visible "any" box inside the state', () => {
    const m = createMachine({ id: 'r', initial: 'Off', on: { Become: '.Leader' }, states: { Off: {}, Leader: {} } });
    const dot = machineToDot(m);
    expect(dot).toContain('"r#any" [label="any", shape=box');
    expect(dot).toContain('"r#any" -> "r → r.Leader" [arrowhead=none];');
    expect(dot).toContain('"r → r.Leader" [shape=none, margin="0.15,0.02", fontsize=9, label="Become"];');
  });
});

describe('machineToDot, several transitions between the same two states', () => {
  it('draws one edge with a label line for each, dashed only if all are timed or eventless', () => {
    const dot = machineToDot(flatMachine());
    expect(dot).toContain('"replica.Leader → replica.Follower" [shape=none, margin="0.15,0.02", fontsize=9, label="Shrink [hasQuorum]\\nResign [guard]"];');
    expect(dot).toContain('"replica.Leader → replica.Offline" [shape=none, margin="0.15,0.02", fontsize=9, label="Resign\\nalways [!isLeaderEpochCurrent]"];');
    expect(dot).toContain('"replica.Leader" -> "replica.Leader → replica.Offline" [arrowhead=none];');
    expect(dot).toContain('"replica.Follower" -> "replica.Follower → replica.Offline" [arrowhead=none, style=dashed];');
    expect(dot).toContain('"replica.Follower → replica.Offline" -> "replica.Offline" [style=dashed];');
  });
});
