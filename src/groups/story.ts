import { describeFault } from '../explore/story.js';
import type { TraceEvent } from '../sim/trace.js';

/**
 * A consumer-group run told as a short numbered story: faults, stalls and leaves, the
 * coordinator's rebalances and generations, members that lose their partitions or have a
 * commit refused, and the step where a property broke. Fetches, polls, heartbeats and
 * replication are left out (they are in the full trace).
 */
export interface GroupStoryStep {
  readonly n: number;
  readonly t: number;
  readonly text: string;
}

const interesting = /PreparingRebalance|generation \d+:|session expired|Stable in generation|loading|unloaded|stalls for|leaves|lost \[|commit failed|fenced|fencing|removed/;

export function groupStoryOf(trace: readonly TraceEvent[]): GroupStoryStep[] {
  const steps: { t: number; text: string }[] = [];
  for (const ev of trace) {
    if (ev.e === 'fault') steps.push({ t: ev.t, text: describeFault(ev.fault) + (ev.effect ? ` (${ev.effect})` : '') });
    else if (ev.e === 'note' && !ev.text.startsWith('history ') && interesting.test(ev.text)) steps.push({ t: ev.t, text: `${ev.node}: ${ev.text}` });
    else if (ev.e === 'violation') steps.push({ t: ev.t, text: `PROPERTY BROKEN: ${ev.property}: ${ev.message}` });
  }
  return steps.map((s, i) => ({ n: i + 1, ...s }));
}

export function formatGroupStory(steps: readonly GroupStoryStep[]): string {
  return steps.map((s) => `  ${s.n}. [t=${s.t} ms] ${s.text}`).join('\n') + '\n';
}
