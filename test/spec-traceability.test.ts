import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Design decision 6: every invariant has an ID in spec/, and tests that exercise it; the
 * invariants checked during runs are also implemented, by ID, in src/. The IDs are the backticked
 * names in the first column of spec tables whose first header cell is "ID".
 */
const root = join(import.meta.dirname, '..');

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, ext) : p.endsWith(ext) ? [p] : [];
  });
}

function specIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const file of files(join(root, 'spec'), '.md')) {
    let inIdTable = false;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('|')) {
        inIdTable = false;
        continue;
      }
      if (/^\|\s*ID\s*\|/.test(line)) inIdTable = true;
      const m = /^\|\s*`([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`\s*\|/.exec(line);
      if (inIdTable && m) ids.set(m[1]!, file.slice(root.length + 1));
    }
  }
  return ids;
}

const testText = files(join(root, 'test'), '.ts')
  .filter((f) => !f.endsWith('spec-traceability.test.ts'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const srcText = files(join(root, 'src'), '.ts')
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

describe('spec traceability', () => {
  const ids = specIds();

  it('finds the IDs the specs declare', () => {
    expect(ids.size).toBeGreaterThan(20);
    expect(ids.get('no-acked-loss')).toBe('spec/replication.md');
  });

  it('every invariant ID in spec/ is exercised by a test that names it', () => {
    const missing = [...ids].filter(([id]) => !testText.includes(id)).map(([id, f]) => `${id} (${f})`);
    expect(missing).toEqual([]);
  });

  it('every invariant checked during runs is implemented under its ID', () => {
    const runtime = [...ids].filter(([, f]) => f === 'spec/replication.md' || f === 'spec/controller.md' || f === 'spec/consumer-groups.md' || f === 'spec/transactions.md');
    const missing = runtime.filter(([id]) => !srcText.includes(`id: '${id}'`)).map(([id]) => id);
    expect(missing).toEqual([]);
  });
});
