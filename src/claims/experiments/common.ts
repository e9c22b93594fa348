import { checkId, type SearchResult } from '../search.js';
import type { Exhibit, ExperimentContext, Outcome, SearchRequest } from '../types.js';

export const describeSearch = (r: SearchResult, what: string): string => {
  const o = r.options;
  const extras = [
    o.overrides && Object.keys(o.overrides).length > 0 ? `overrides ${JSON.stringify(o.overrides)}` : '',
    o.faults ? `faults ${o.faults.join('/')}` : '',
    o.budget !== undefined ? `budget ${o.budget}` : '',
    o.correlated ? 'correlated crashes' : '',
  ].filter((s) => s !== '');
  const where = `${checkId(o.check)} on preset ${o.preset}${extras.length > 0 ? ` (${extras.join(', ')})` : ''}`;
  return r.found ? `${where}: broken after ${r.runs} run(s) (${what})` : `${where}: held in ${r.runs} run(s)`;
};

export function exhibit(r: SearchResult, caption: string): Exhibit | undefined {
  return r.found && r.scenario ? { check: r.options.check, scenario: r.scenario, caption } : undefined;
}

/** A condition a guarantee needs, shown necessary by a search on a configuration without it. */
export interface Condition {
  readonly condition: string;
  readonly without: Omit<SearchRequest, 'mode'>;
}

/**
 * The usual shape of a safety claim: search the safe configuration (it must hold), then each
 * configuration that drops one condition. Holds if nothing breaks; holds-if, naming the
 * conditions whose absence broke it, with the first such counterexample; refuted, with the
 * counterexample, if the safe configuration breaks.
 */
export function safetyVerdict(ctx: ExperimentContext, safe: Omit<SearchRequest, 'mode'>, conditions: readonly Condition[], base: readonly string[] = []): Outcome {
  const s = ctx.search({ ...safe, mode: 'hold' });
  const evidence = [describeSearch(s, 'the safe configuration')];
  if (s.found) {
    const cx = exhibit(s, `${checkId(safe.check)} breaks on preset ${safe.preset}`);
    return { verdict: 'refuted', conditions: [], evidence, ...(cx ? { counterexample: cx } : {}) };
  }
  const needed: string[] = [];
  let cx: Exhibit | undefined;
  for (const c of conditions) {
    const r = ctx.search({ ...c.without, mode: 'find', shrink: false });
    evidence.push(describeSearch(r, `so it needs ${c.condition}`));
    if (!r.found) continue;
    needed.push(c.condition);
    cx ??= exhibit(ctx.search({ ...c.without, mode: 'find' }), `without ${c.condition}: ${checkId(c.without.check)} breaks on preset ${c.without.preset}`);
  }
  if (needed.length === 0) return { verdict: 'holds', conditions: [], evidence };
  return { verdict: 'holds-if', conditions: [...base, ...needed], evidence, ...(cx ? { counterexample: cx } : {}) };
}

/** Experiments for claims the model cannot check yet, by a reason that names what is missing. */
export const notModelled = (reason: string) => (): Outcome => ({ verdict: 'not-modelled', conditions: [], evidence: [], reason });
