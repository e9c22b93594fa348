import type { AnyStateMachine, AnyStateNode } from 'xstate';

/**
 * A machine's shape, read from its XState v5 definition (`machine.root` and its state nodes),
 * with every implementation detail reduced to a name. The Mermaid and DOT writers draw this;
 * nothing here runs the machine.
 *
 * Order is definition order throughout (states as written in `states`, transitions as written
 * in `on`, then `after`, then `always`), so the same code always gives the same diagram.
 */
export interface MachineGraph {
  /** The machine's id. */
  readonly id: string;
  readonly root: GraphState;
  /** Every state, root included, by XState id. */
  readonly states: ReadonlyMap<string, GraphState>;
  /** Every transition that has a target, in definition order. */
  readonly edges: readonly GraphEdge[];
}

export type StateKind = 'atomic' | 'compound' | 'parallel' | 'final' | 'history';

export interface GraphState {
  /** XState's unique id (`machine.a.b`, or a custom `#id`). */
  readonly id: string;
  /** The key in its parent's `states`: what the diagram shows. */
  readonly key: string;
  readonly kind: StateKind;
  /** `deep` for deep history. */
  readonly history?: 'shallow' | 'deep';
  readonly parent: GraphState | undefined;
  readonly children: GraphState[];
  /** XState id of the initial child (compound states). */
  readonly initial: string | undefined;
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  readonly invoke: readonly string[];
  /** Transitions without a target: they run actions and stay (drawn inside the state). */
  readonly internal: GraphEdge[];
}

export interface GraphEdge {
  /** XState id of the state that declares the transition. */
  readonly source: string;
  /** XState ids of the targets; empty for a targetless transition. */
  readonly targets: readonly string[];
  readonly kind: 'event' | 'after' | 'always';
  /** What triggers it: the event type, `after 100ms` / `after timeout`, or `always`. */
  readonly trigger: string;
  /** The guard as text (`isLeader`, `!a && b`, `guard` for an anonymous function). */
  readonly guard: string | undefined;
  readonly actions: readonly string[];
  readonly reenter: boolean;
}

/** The label of an edge: `Event [guard]`, optionally followed by ` / action, action`. */
export function edgeLabel(e: GraphEdge, withActions: boolean): string {
  let s = e.trigger;
  if (e.guard !== undefined) s += ` [${e.guard}]`;
  if (withActions && e.actions.length > 0) s += ` / ${e.actions.join(', ')}`;
  return s;
}

/** Names that XState or JavaScript give to functions written inline; they say nothing. */
const anonymousNames = new Set(['', 'anonymous', 'guard', 'actions', 'action', 'entry', 'exit', 'target', 'fn']);

function functionName(f: { name?: string }, fallback: string): string {
  const n = f.name ?? '';
  return anonymousNames.has(n) || !/^[A-Za-z_$][\w$]*$/.test(n) ? fallback : n;
}

/** A guard as text: a named guard, a parameterized one, `not`/`and`/`or`/`stateIn`, or `guard`. */
export function guardText(g: unknown): string {
  if (typeof g === 'string') return g;
  if (typeof g === 'function') {
    const fn = g as { name?: string; guards?: unknown[]; stateValue?: unknown; check?: unknown };
    if (fn.check !== undefined && Array.isArray(fn.guards)) {
      const parts = fn.guards.map((x) => guardText(x));
      // `not`, `and`, `or` are recognised by their function name, which XState sets.
      if (fn.name === 'not') return `!${wrap(parts[0] ?? 'guard')}`;
      if (fn.name === 'and') return parts.map(wrap).join(' && ');
      if (fn.name === 'or') return parts.map(wrap).join(' || ');
    }
    if (fn.check !== undefined && fn.stateValue !== undefined) {
      return `in ${typeof fn.stateValue === 'string' ? fn.stateValue : JSON.stringify(fn.stateValue)}`;
    }
    return functionName(fn, 'guard');
  }
  if (g !== null && typeof g === 'object' && typeof (g as { type?: unknown }).type === 'string') {
    return (g as { type: string }).type;
  }
  return 'guard';
}

function wrap(s: string): string {
  return /[ &|]/.test(s) ? `(${s})` : s;
}

/** An action as a name: `register`, `assign`, `emit`, or the function's own name. */
export function actionText(a: unknown): string {
  if (typeof a === 'string') return a;
  if (typeof a === 'function') {
    const t = (a as { type?: unknown }).type;
    if (typeof t === 'string') return t.replace(/^xstate\./, '');
    return functionName(a as { name?: string }, 'action');
  }
  if (a !== null && typeof a === 'object' && typeof (a as { type?: unknown }).type === 'string') {
    return (a as { type: string }).type.replace(/^xstate\./, '');
  }
  return 'action';
}

/** How an internal XState event type reads on a diagram. */
export function eventText(eventType: string, owner: AnyStateNode): string {
  if (eventType === `xstate.done.state.${owner.id}`) return 'done';
  const m = /^xstate\.(done|error)\.(state|actor)\.(.+)$/.exec(eventType);
  if (m) return `${m[1] === 'done' ? 'done' : 'error'}(${m[3]})`;
  return eventType;
}

function delayText(delay: unknown): string {
  if (typeof delay === 'number') return `after ${delay}ms`;
  if (typeof delay === 'string') return /^\d+$/.test(delay) ? `after ${delay}ms` : `after ${delay}`;
  if (typeof delay === 'function') return `after ${functionName(delay as { name?: string }, 'delay')}`;
  return 'after delay';
}

interface RawTransition {
  target?: readonly AnyStateNode[] | undefined;
  guard?: unknown;
  actions: readonly unknown[];
  reenter?: boolean;
  eventType: string;
  delay?: unknown;
}

function toEdge(node: AnyStateNode, t: RawTransition, kind: GraphEdge['kind'], trigger: string): GraphEdge {
  return {
    source: node.id,
    targets: (t.target ?? []).map((x) => x.id),
    kind,
    trigger,
    guard: t.guard === undefined ? undefined : guardText(t.guard),
    actions: (t.actions ?? []).map(actionText),
    reenter: Boolean(t.reenter),
  };
}

function invokeText(inv: { src?: unknown; id?: string }): string {
  const src = inv.src;
  if (typeof src === 'string') return src;
  return inv.id ?? 'actor';
}

/** Read the machine definition into a graph. */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const states = new Map<string, GraphState>();
  const edges: GraphEdge[] = [];

  const visit = (node: AnyStateNode, parent: GraphState | undefined): GraphState => {
    const kind = node.type as StateKind;
    const state: GraphState = {
      id: node.id,
      key: node.key,
      kind,
      ...(node.type === 'history' ? { history: node.history === 'deep' ? ('deep' as const) : ('shallow' as const) } : {}),
      parent,
      children: [],
      initial: node.type === 'compound' ? node.initial?.target?.[0]?.id : undefined,
      entry: node.entry.map(actionText),
      exit: node.exit.map(actionText),
      invoke: node.invoke.map((i) => invokeText(i as { src?: unknown; id?: string })),
      internal: [],
    };
    states.set(node.id, state);

    const add = (e: GraphEdge) => {
      if (e.targets.length === 0) state.internal.push(e);
      else edges.push(e);
    };
    for (const [eventType, list] of node.transitions) {
      if (eventType.startsWith('xstate.after.')) continue; // read from `after`, which knows the delay
      for (const t of list) add(toEdge(node, t as RawTransition, 'event', eventText(eventType, node)));
    }
    for (const t of node.after) add(toEdge(node, t as RawTransition, 'after', delayText((t as RawTransition).delay)));
    for (const t of node.always ?? []) add(toEdge(node, t as RawTransition, 'always', 'always'));

    for (const child of Object.values(node.states) as AnyStateNode[]) state.children.push(visit(child, state));
    return state;
  };

  const root = visit(machine.root, undefined);
  return { id: machine.id, root, states, edges };
}

/** The states from `s` up to the root, `s` first. */
export function ancestry(s: GraphState): GraphState[] {
  const out: GraphState[] = [];
  for (let x: GraphState | undefined = s; x; x = x.parent) out.push(x);
  return out;
}

/**
 * The composite state inside whose block an edge between `a` and `b` is written: the deepest
 * state that strictly contains both and is not parallel (a parallel state's block holds only
 * its regions).
 */
export function edgeScope(a: GraphState, b: GraphState): GraphState | undefined {
  const above = new Set(ancestry(a).slice(1));
  let scope: GraphState | undefined = ancestry(b)
    .slice(1)
    .find((x) => above.has(x));
  while (scope && scope.kind === 'parallel') scope = scope.parent;
  return scope;
}
