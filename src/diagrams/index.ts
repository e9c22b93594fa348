import type { TraceEvent } from '../sim/trace.js';
import { traceToSvgSequence } from './sequence-svg.js';
import { traceToMermaidSequence, type SequenceOptions } from './sequence.js';

export { dotToSvg } from './graphviz.js';
export { machineGraph, type GraphEdge, type GraphState, type MachineGraph } from './machine-graph.js';
export { machineRegistry, type RegisteredMachine } from './registry.js';
export { traceToSvgSequence } from './sequence-svg.js';
export { storyTrace, type StoryTrace } from './story-sequence.js';
export { messageSummary, nodeOf, sequenceModel, traceToMermaidSequence, type SequenceModel, type SequenceOptions, type SequenceRow } from './sequence.js';
export { machineToDot, machineToMermaid, type StateDiagramOptions } from './state-diagram.js';
export { renderMachineDiagrams, type DiagramFile, type DiagramFormat } from './docs.js';

/**
 * The sequence diagram of a scenario's run, as `kafka-model replay FILE --diagram` prints it:
 * Mermaid text or a self-contained SVG. `violationStep` is the index in the trace of the entry
 * at which a property broke.
 */
export function renderScenarioDiagram(
  trace: readonly TraceEvent[],
  format: 'mermaid' | 'svg',
  violationStep?: number,
  opts: Omit<SequenceOptions, 'violationStep'> = {},
): string {
  const o: SequenceOptions = violationStep === undefined ? opts : { ...opts, violationStep };
  return format === 'svg' ? traceToSvgSequence(trace, o) : traceToMermaidSequence(trace, o);
}
