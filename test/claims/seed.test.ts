import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/claims/catalogue.js';
import { SEED_PATH, citeQuote, quoteParts, seedReference } from '../../src/claims/seed.js';

const seed = readFileSync(new URL(`../../${SEED_PATH}`, import.meta.url), 'utf8');
const lines = seed.split('\n');

describe('the seed in the repository', () => {
  it('each claim quotes the seed: every part of its quote is on the lines it cites, in order', () => {
    for (const c of loadCatalogue()) {
      const cite = citeQuote(c.quote, seed);
      expect('missing' in cite ? cite.missing : [], `${c.id}: not in ${SEED_PATH}`).toEqual([]);
      if ('missing' in cite) continue;
      // Independently of citeQuote's search: the cited lines, markup dropped, hold the parts in order.
      const cited = lines.slice(cite.from - 1, cite.to).join(' ').replace(/\*+/g, '');
      let from = 0;
      for (const part of quoteParts(c.quote)) {
        const at = cited.indexOf(part, from);
        expect(at, `${c.id}: "${part}" not on ${SEED_PATH}:${cite.from}-${cite.to}`).toBeGreaterThanOrEqual(0);
        from = at;
      }
    }
  });

  it('cites the line a one-line quote is on, and a heading with its bullets as a range', () => {
    expect(seedReference('Offsets are per-partition')).toBe(`${SEED_PATH}:${lines.findIndex((l) => l.replace(/\*+/g, '').includes('Offsets are per-partition')) + 1}`);
    const heading = lines.findIndex((l) => l.startsWith('Retention policies:')) + 1;
    const size = lines.findIndex((l) => l.includes('Size-based (e.g., 100GB)')) + 1;
    expect(seedReference('Retention policies: Size-based (e.g., 100GB)')).toBe(`${SEED_PATH}:${heading}-${size}`);
  });

  it('finds no citation for words the seed does not have, naming them', () => {
    expect(citeQuote('Kafka guarantees exactly-once by default', seed)).toEqual({ missing: ['Kafka guarantees exactly-once by default'] });
    expect(citeQuote('Offsets are per-partition: and never wrap around', seed)).toEqual({ missing: ['and never wrap around'] });
  });

  it('the catalogue names the seed in the repository as its source', () => {
    const catalogue = JSON.parse(readFileSync(new URL('../../spec/claims.json', import.meta.url), 'utf8')) as { source: string };
    expect(catalogue.source).toBe(SEED_PATH);
  });
});
