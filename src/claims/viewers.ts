import { viewerHtml } from '../viewer/index.js';
import { viewerPathOf } from './report.js';
import type { ClaimResult } from './runner.js';


/**
 * The viewer page of every counterexample and witness (`kafka-model replay FILE --html`), path ->
 * content. Each replays its scenario twice (src/viewer), so this is the slow part of writing the
 * report's files; the pages are as deterministic as the scenario files.
 */
export function viewerFiles(results: readonly ClaimResult[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const r of results) for (const s of [r.counterexample, r.witness]) if (s) files.set(viewerPathOf(s.file), viewerHtml(s.scenario, s.file));
  return files;
}
