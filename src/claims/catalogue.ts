import { readFileSync } from 'node:fs';
import { experiments } from './experiments/index.js';
import { specUrl } from './seed.js';
import { verdicts, type Claim } from './types.js';

/** The claims catalogue, checked: unique ids, a known experiment and verdict, a reason when not-modelled. */
export function loadCatalogue(text: string = readFileSync(specUrl('spec/claims.json'), 'utf8')): Claim[] {
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
