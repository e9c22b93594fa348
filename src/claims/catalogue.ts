import { readFileSync } from 'node:fs';
import { experiments } from './experiments/index.js';
import { verdicts, type Claim } from './types.js';

/** spec/claims.json, from src/claims (tsx) or dist/src/claims (built) alike. */
function catalogueUrl(): URL {
  for (const rel of ['../../spec/claims.json', '../../../spec/claims.json']) {
    const url = new URL(rel, import.meta.url);
    try {
      readFileSync(url);
      return url;
    } catch {
      // try the next layout
    }
  }
  throw new Error('spec/claims.json not found');
}

/** The claims catalogue, checked: unique ids, a known experiment and verdict, a reason when not-modelled. */
export function loadCatalogue(text: string = readFileSync(catalogueUrl(), 'utf8')): Claim[] {
  const data = JSON.parse(text) as { claims: Claim[] };
  const seen = new Set<string>();
  for (const c of data.claims) {
    const where = `spec/claims.json: claim ${c.id}`;
    if (!/^[a-z0-9-]+$/.test(c.id)) throw new Error(`${where}: id must be lower-case words joined by -`);
    if (seen.has(c.id)) throw new Error(`${where}: duplicate id`);
    seen.add(c.id);
    for (const f of ['section', 'quote', 'statement', 'experiment'] as const) if (typeof c[f] !== 'string' || c[f] === '') throw new Error(`${where}: missing ${f}`);
    if (!(c.experiment in experiments)) throw new Error(`${where}: unknown experiment ${c.experiment}`);
    if (!(verdicts as readonly string[]).includes(c.expected)) throw new Error(`${where}: expected must be one of ${verdicts.join(', ')}`);
    if (c.expected === 'not-modelled' && !c.reason) throw new Error(`${where}: a not-modelled claim says why (reason)`);
  }
  return data.claims;
}
