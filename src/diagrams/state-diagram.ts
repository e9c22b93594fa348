import type { AnyStateMachine } from 'xstate';
import { dotQuote, dotString, mermaidId, mermaidText } from './escape.js';
import { ancestry, edgeLabel, edgeScope, machineGraph, type GraphEdge, type GraphState, type MachineGraph } from './machine-graph.js';

export interface StateDiagramOptions {
  /** Show actions on edges (`Event [guard] / action`) and entry/exit actions in states. Default false. */
  readonly actions?: boolean;
  /** Layout direction. Default top to bottom. */
  readonly direction?: 'TB' | 'LR';
}

const isComposite = (s: GraphState) => s.kind === 'compound' || s.kind === 'parallel';

/**
 * Whether the machine's root must be drawn as a state of its own: it is parallel, it handles
 * events itself (root-level `on`), or a transition targets it.
 */
function rootIsDrawn(g: MachineGraph): boolean {
  return (
    g.root.kind === 'parallel' ||
    g.root.internal.length > 0 ||
    g.edges.some((e) => e.source === g.root.id || e.targets.includes(g.root.id))
  );
}

/** Lines listed inside a state: its targetless transitions, and (optionally) entry/exit actions. */
function stateLines(s: GraphState, withActions: boolean): string[] {
  const lines: string[] = [];
  if (withActions && s.entry.length > 0) lines.push(`entry / ${s.entry.join(', ')}`);
  if (withActions && s.exit.length > 0) lines.push(`exit / ${s.exit.join(', ')}`);
  for (const inv of s.invoke) lines.push(`invoke ${inv}`);
  for (const e of s.internal) lines.push(edgeLabel(e, true));
  return lines;
}

function historyLabel(s: GraphState): string {
  return s.history === 'deep' ? 'H*' : 'H';
}

// ---------------------------------------------------------------------------------------------
// Mermaid

/**
 * Mermaid ids for every state: the state's key when no other state has the same key, its path
 * (`Parent_Child`) otherwise; never a Mermaid keyword, never twice.
 */
function mermaidIds(g: MachineGraph, drawRoot: boolean): Map<string, string> {
  const all = [...g.states.values()].filter((s) => s !== g.root);
  const count = new Map<string, number>();
  for (const s of all) {
    const k = mermaidId(s.key).toLowerCase();
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const used = new Set<string>();
  const ids = new Map<string, string>();
  const take = (stateId: string, base: string) => {
    let id = base;
    for (let i = 2; used.has(id.toLowerCase()); i++) id = `${base}_${i}`;
    used.add(id.toLowerCase());
    ids.set(stateId, id);
  };
  if (drawRoot) take(g.root.id, mermaidId(g.root.key || g.id));
  for (const s of all) {
    const unique = count.get(mermaidId(s.key).toLowerCase()) === 1;
    const path = ancestry(s)
      .filter((x) => x !== g.root)
      .reverse()
      .map((x) => x.key)
      .join('_');
    take(s.id, mermaidId(unique ? s.key : path));
  }
  return ids;
}

/**
 * A Mermaid `stateDiagram-v2` drawn from the machine definition: composite states as nested
 * blocks, parallel regions separated by `--`, `[*] -->` for each initial state, final states
 * `--> [*]`, every transition with a target as an edge labelled `Event [guard]` (delayed ones
 * `after <delay>`, eventless ones `always`), and transitions without a target listed inside
 * their state (a note, for composite states).
 */
export function machineToMermaid(machine: AnyStateMachine, opts: StateDiagramOptions = {}): string {
  const g = machineGraph(machine);
  const withActions = opts.actions ?? false;
  const drawRoot = rootIsDrawn(g);
  const ids = mermaidIds(g, drawRoot);
  const idOf = (stateId: string) => ids.get(stateId) ?? mermaidId(stateId);

  // Each edge is written in the block of the innermost state that holds both ends.
  const TOP = '\u0000top';
  const scoped = new Map<string, string[]>();
  for (const e of g.edges) {
    const src = g.states.get(e.source)!;
    for (const t of e.targets) {
      const tgt = g.states.get(t)!;
      const scope = edgeScope(src, tgt);
      const key = scope === undefined || (scope === g.root && !drawRoot) ? TOP : scope.id;
      const list = scoped.get(key) ?? [];
      list.push(`${idOf(src.id)} --> ${idOf(tgt.id)} : ${mermaidText(edgeLabel(e, withActions))}`);
      scoped.set(key, list);
    }
  }

  const out: string[] = ['stateDiagram-v2'];
  if (opts.direction === 'LR') out.push('  direction LR');

  const block = (s: GraphState, indent: string): void => {
    if (s.kind === 'compound' && s.initial !== undefined) out.push(`${indent}[*] --> ${idOf(s.initial)}`);
    s.children.forEach((c, i) => {
      if (s.kind === 'parallel' && i > 0) out.push(`${indent}--`);
      declare(c, indent);
    });
    out.push(...(scoped.get(s.id) ?? []).map((l) => indent + l));
  };

  const declare = (s: GraphState, indent: string): void => {
    const id = idOf(s.id);
    const lines = stateLines(s, withActions);
    if (isComposite(s)) {
      out.push(`${indent}state ${id} {`);
      block(s, indent + '  ');
      out.push(`${indent}}`);
      if (lines.length > 0) out.push(`${indent}note right of ${id} : ${lines.map((l) => mermaidText(l)).join('<br/>')}`);
    } else {
      const label = s.kind === 'history' ? historyLabel(s) : s.key;
      out.push(label === id ? `${indent}${id}` : `${indent}state "${mermaidText(label)}" as ${id}`);
      for (const l of lines) out.push(`${indent}${id} : ${mermaidText(l)}`);
    }
    if (s.kind === 'final') out.push(`${indent}${id} --> [*]`);
  };

  if (drawRoot) {
    out.push(`  [*] --> ${idOf(g.root.id)}`);
    declare(g.root, '  ');
  } else {
    block(g.root, '  ');
  }
  out.push(...(scoped.get(TOP) ?? []).map((l) => '  ' + l));
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// DOT

/** A DOT label: a title line, then left-aligned lines. */
function dotLabel(title: string, lines: readonly string[]): string {
  if (lines.length === 0) return dotQuote(title);
  return `"${dotString(title)}\\n${lines.map((l) => `${dotString(l)}\\l`).join('')}"`;
}

/**
 * The machine as a Graphviz digraph: atomic states as rounded boxes, composite states as
 * clusters (an initial dot inside points at the initial state; parallel regions are dashed
 * clusters), edges to or from a composite state clipped at its border.
 */
export function machineToDot(machine: AnyStateMachine, opts: StateDiagramOptions = {}): string {
  const g = machineGraph(machine);
  const withActions = opts.actions ?? false;
  const drawRoot = rootIsDrawn(g);
  const out: string[] = [
    `digraph ${dotQuote(g.id)} {`,
    `  graph [compound=true, rankdir=${opts.direction ?? 'TB'}, fontname="Helvetica", fontsize=12, nodesep=0.3, ranksep=0.4, pad=0.3];`,
    '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11, margin="0.15,0.06"];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const cluster = (s: GraphState) => dotQuote(`cluster_${s.id}`);
  const inside = (a: GraphState, b: GraphState) => ancestry(a).includes(b);
  // Edges enter a compound state at its initial dot (clipped at the border); they leave a
  // composite state from an anchor inside it. The anchor is invisible, except when the state
  // has transitions into its own descendants (Graphviz cannot start those at the border): then
  // it is a small "any" box, read "from any state inside".
  const initialDot = (s: GraphState) => dotQuote(s.id);
  const exitAnchor = (s: GraphState) => dotQuote(`${s.id}#any`);
  const handlesInside = new Set(
    g.edges.filter((e) => e.targets.some((t) => t !== e.source && inside(g.states.get(t)!, g.states.get(e.source)!))).map((e) => e.source),
  );
  const head = (s: GraphState) => (s.kind === 'compound' ? initialDot(s) : isComposite(s) ? exitAnchor(s) : dotQuote(s.id));
  const tail = (s: GraphState) => (isComposite(s) ? exitAnchor(s) : dotQuote(s.id));

  // Transitions between the same two states are one edge, labelled with one line each. The
  // label is a node of its own on the edge (tail -> label -> head), placed in the innermost
  // cluster holding both ends: Graphviz never overlaps nodes, while the labels it places on
  // edges between clusters (ltail / lhead) overlap each other and the clusters' titles.
  const groups = new Map<string, { src: GraphState; tgt: GraphState; labels: string[]; timed: boolean }>();
  for (const e of g.edges) {
    const src = g.states.get(e.source)!;
    for (const t of e.targets) {
      const tgt = g.states.get(t)!;
      const key = `${src.id}\u0000${tgt.id}`;
      const group = groups.get(key) ?? { src, tgt, labels: [], timed: true };
      group.labels.push(edgeLabel(e, withActions));
      group.timed &&= e.kind !== 'event';
      groups.set(key, group);
    }
  }
  const TOP = '\u0000top';
  const labelNodes = new Map<string, string[]>();
  const edgeLines: string[] = [];
  for (const { src, tgt, labels, timed } of groups.values()) {
    // Named for its transition: the name is the SVG element's title (a tooltip).
    const label = dotQuote(`${src.id} \u2192 ${tgt.id}`);
    // A transition from a composite state into its own substates (or back out to it) is drawn
    // inside that state; any other inside the innermost state holding both ends.
    const scope = src === tgt ? edgeScope(src, tgt) : inside(tgt, src) ? src : inside(src, tgt) ? tgt : edgeScope(src, tgt);
    const where = scope === undefined || (scope === g.root && !drawRoot) ? TOP : scope.id;
    const decls = labelNodes.get(where) ?? [];
    decls.push(`${label} [shape=none, margin="0.15,0.02", fontsize=9, label=${dotQuote(labels.join('\n'))}];`);
    labelNodes.set(where, decls);
    const into = ['arrowhead=none'];
    const outOf: string[] = [];
    // Clip at a cluster's border unless one end is inside the other (Graphviz cannot).
    if (isComposite(src) && !inside(tgt, src)) into.push(`ltail=${cluster(src)}`);
    if (isComposite(tgt) && !inside(src, tgt)) outOf.push(`lhead=${cluster(tgt)}`);
    if (timed) for (const a of [into, outOf]) a.push('style=dashed');
    edgeLines.push(`  ${tail(src)} -> ${label} [${into.join(', ')}];`);
    edgeLines.push(`  ${label} -> ${head(tgt)}${outOf.length > 0 ? ` [${outOf.join(', ')}]` : ''};`);
  }

  const declare = (s: GraphState, indent: string): void => {
    const lines = stateLines(s, withActions);
    if (isComposite(s)) {
      out.push(`${indent}subgraph ${cluster(s)} {`);
      out.push(`${indent}  label=${dotLabel(s.key, lines)}; labeljust=l; style=${s.parent?.kind === 'parallel' ? '"dashed,rounded"' : 'rounded'};`);
      contents(s, indent + '  ');
      out.push(`${indent}}`);
      return;
    }
    const attrs: string[] = [];
    if (s.kind === 'history') attrs.push('shape=circle', `label=${dotQuote(historyLabel(s))}`, 'fontsize=9', 'width=0.3', 'margin=0');
    else attrs.push(`label=${dotLabel(s.key, lines)}`);
    if (s.kind === 'final') attrs.push('peripheries=2');
    out.push(`${indent}${dotQuote(s.id)} [${attrs.join(', ')}];`);
  };

  const contents = (s: GraphState, indent: string): void => {
    if (s.kind === 'compound') {
      out.push(`${indent}${initialDot(s)} [shape=point, width=0.12, label=""];`);
      if (s.initial !== undefined) {
        const init = g.states.get(s.initial)!;
        const lhead = isComposite(init) ? `, lhead=${cluster(init)}` : '';
        out.push(`${indent}${initialDot(s)} -> ${head(init)} [arrowsize=0.6${lhead}];`);
      }
    }
    if (handlesInside.has(s.id)) out.push(`${indent}${exitAnchor(s)} [label="any", shape=box, style="dashed,rounded", fontsize=8, width=0.3, height=0.2, margin="0.04,0.02"];`);
    else if (isComposite(s)) out.push(`${indent}${exitAnchor(s)} [shape=point, style=invis, width=0.01, label=""];`);
    for (const c of s.children) declare(c, indent);
    for (const l of labelNodes.get(s.id) ?? []) out.push(`${indent}${l}`);
  };

  if (drawRoot) {
    out.push(`  "__start" [shape=point, width=0.12, label=""];`);
    out.push(`  "__start" -> ${head(g.root)} [arrowsize=0.6, lhead=${cluster(g.root)}];`);
    declare(g.root, '  ');
  } else {
    contents(g.root, '  ');
  }

  for (const l of labelNodes.get(TOP) ?? []) out.push(`  ${l}`);
  out.push(...edgeLines);
  out.push('}');
  return out.join('\n') + '\n';
}

export type { GraphEdge };
