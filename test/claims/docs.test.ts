import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/claims/catalogue.js';
import { reportFiles } from '../../src/claims/report.js';
import { runClaims } from '../../src/claims/runner.js';
import { budgets } from '../../src/claims/types.js';

const root = new URL('../../', import.meta.url);

/**
 * Docs in step with code: regenerating docs/claims.md, docs/claims.html and the counterexample
 * files with the quick budget (deterministic) gives the committed bytes.
 */
describe('docs/claims.*', () => {
  it('regenerate to the committed files (kafka-model claims --quick --out docs/claims.md)', () => {
    const results = runClaims(loadCatalogue(), { budget: budgets.quick, cxDir: 'docs/counterexamples' });
    expect(results.filter((r) => !r.matches).map((r) => `${r.claim.id}: ${r.verdict}, catalogue ${r.claim.expected}`)).toEqual([]);
    const files = reportFiles(results, budgets.quick, 'docs/claims.md');
    const stale = [...files].filter(([p, c]) => !existsSync(new URL(p, root)) || readFileSync(new URL(p, root), 'utf8') !== c).map(([p]) => p);
    expect(stale, 'run: kafka-model claims --quick --out docs/claims.md').toEqual([]);
  }, 120_000);
});
