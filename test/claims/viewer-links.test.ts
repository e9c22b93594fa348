import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/claims/catalogue.js';
import { htmlReport, resultsJson, summaryTable, viewerPathOf } from '../../src/claims/report.js';
import type { ClaimResult } from '../../src/claims/runner.js';
import { budgets } from '../../src/claims/types.js';
import { viewerFiles } from '../../src/claims/viewers.js';
import { leftoverFiles, removeFiles } from '../../src/cli/files.js';
import { loadScenarioFile } from '../../src/cli/commands/run.js';
import { runScenario } from '../../src/cluster/run.js';
import { storyOf } from '../../src/explore/story.js';

const cx = fileURLToPath(new URL('../../docs/counterexamples/no-data-loss-rf2.json', import.meta.url));

/** A claim result with a counterexample written to `file`, from a committed counterexample. */
function resultWith(file: string): ClaimResult {
  const scenario = loadScenarioFile(cx);
  const { world, summary } = runScenario(scenario);
  const claim = loadCatalogue().find((c) => c.id === 'no-data-loss-rf2')!;
  const shown = { caption: 'c', check: 'no-acked-loss', file, scenario, story: storyOf(world.trace.events()), trace: world.trace.events(), violation: summary.violation, replay: `kafka-model replay ${file}` };
  return { claim, verdict: 'holds-if', conditions: [], evidence: [], reason: undefined, counterexample: shown, witness: undefined, matches: true, kafka: summary.kafka };
}

describe('the claims report links each counterexample to its viewer page', () => {
  it('the link is relative to the report and names the page viewerFiles writes', () => {
    const r = resultWith('out/counterexamples/no-data-loss-rf2.json');
    const html = htmlReport([r], budgets.quick, 'out/claims.html');
    expect(html).toContain('<a href="counterexamples/no-data-loss-rf2.html">');
    const pages = viewerFiles([r]);
    expect([...pages.keys()]).toEqual([viewerPathOf(r.counterexample!.file)]);
    expect([...pages.values()][0]).toContain('id="viewer-data"');
    expect(htmlReport([r], budgets.quick, 'claims.html')).toContain('<a href="out/counterexamples/no-data-loss-rf2.html">');
  });

  it('the summary and the JSON name files and replay commands only when the files were written', () => {
    const r = resultWith('cx/no-data-loss-rf2.json');
    expect(summaryTable([r])).toContain('kafka-model replay cx/no-data-loss-rf2.json');
    const unwritten = summaryTable([r], false);
    expect(unwritten).not.toContain('kafka-model replay');
    expect(unwritten).toContain('--cx-dir DIR');
    const json = JSON.parse(resultsJson([r], false)).claims[0].counterexample;
    expect([json.file, json.replay]).toEqual([null, null]);
    expect(json.scenario.seed).toBe(r.counterexample!.scenario.seed);
  });
});

describe('files a run did not generate', () => {
  it('are the .json and .html files of the folder not among the generated ones; removing them removes them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-model-leftovers-'));
    for (const n of ['a.json', 'a.html', 'old.witness.json', 'old.html', 'notes.txt']) writeFileSync(join(dir, n), '{}');
    const generated = new Map([
      [join(dir, 'a.json'), '{}'],
      [join(dir, 'a.html'), ''],
    ]);
    const left = leftoverFiles(dir, generated);
    expect(left).toEqual([join(dir, 'old.html'), join(dir, 'old.witness.json')]);
    removeFiles(left);
    expect(left.some((p) => existsSync(p))).toBe(false);
    expect(leftoverFiles(dir, generated)).toEqual([]);
    expect(existsSync(join(dir, 'notes.txt'))).toBe(true);
    expect(leftoverFiles(join(dir, 'missing'), generated)).toEqual([]);
  });
});
