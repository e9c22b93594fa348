import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../src/cli/commands/run.js';
import { runScenario } from '../../src/cluster/run.js';
import { storyTrace, traceToMermaidSequence } from '../../src/diagrams/index.js';
import { storyOf } from '../../src/explore/story.js';

const file = fileURLToPath(new URL('../../docs/counterexamples/no-data-loss-rf2.json', import.meta.url));

describe('the story diagram of a counterexample', () => {
  const { world } = runScenario(loadScenarioFile(file));
  const trace = world.trace.events();
  const story = storyOf(trace);
  const told = storyTrace(trace, story);

  it('has one row of its own per step, numbered, in story order, and the causes before them', () => {
    for (const s of story) expect(told.labels, `step ${s.n}`).toContain(`${s.n}.`);
    const own = told.labels.filter((l) => l.endsWith('.')).map((l) => Number(l.slice(0, -1)));
    expect(own).toEqual(story.map((s) => s.n));
    told.labels.forEach((l, i) => {
      if (l.startsWith('(')) expect(told.labels.indexOf(`${l.slice(1, -1)}.`)).toBeGreaterThan(i);
    });
    expect(told.events.length).toBeLessThan(trace.length / 10);
  });

  it('ends at the violation, drawn highlighted and labelled', () => {
    expect(told.violationAt).toBe(told.events.length - 1);
    const mermaid = traceToMermaidSequence(told.events, { labels: told.labels, violationStep: told.violationAt, maxEvents: 1000 });
    expect(mermaid).toMatch(new RegExp(`rect rgb\\(255,220,220\\)\\n\\s+Note over [^:]+: ${story.length}\\. t=\\d+ VIOLATION no-acked-loss`));
    expect(mermaid).not.toContain('history ok send');
  });
});
