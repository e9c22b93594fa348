import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scenarioSchema } from '../../src/cluster/scenario.js';
import { scenarioJsonSchema } from '../../src/cluster/scenario-json-schema.js';
import { cli } from '../helpers/cli.js';

type Node = { properties?: Record<string, Node>; additionalProperties?: unknown; required?: string[]; oneOf?: Node[]; anyOf?: Node[]; items?: Node };

describe('spec/scenario.schema.json', () => {
  const committed = readFileSync(new URL('../../spec/scenario.schema.json', import.meta.url), 'utf8');

  it('is what kafka-model schema generates from the zod schema now', async () => {
    expect(committed).toBe(scenarioJsonSchema());
    const r = await cli('schema');
    expect(r.stdout).toBe(committed);
    expect((await cli('schema', '--check')).code).toBe(2);
  });

  it('has every top-level field, closed objects, and nothing required that has a default', () => {
    const s = JSON.parse(committed) as Node;
    expect(Object.keys(s.properties!).sort()).toEqual(Object.keys(scenarioSchema.shape).sort());
    expect(s.additionalProperties).toBe(false);
    expect(s.required ?? []).toEqual([]);
    const faults = s.properties!['faults']!.items!;
    const kinds = (faults.oneOf ?? faults.anyOf)!.map((f) => (f.properties!['type'] as { const?: string }).const);
    expect(kinds.sort()).toEqual(['aimed', 'crash', 'disconnect', 'heal', 'latency', 'partition', 'restart', 'shutdown']);
  });
});
