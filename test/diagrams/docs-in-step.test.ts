import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

describe('docs/diagrams in step with the machines', () => {
  it('regenerating the state diagrams leaves docs/diagrams unchanged (kafka-model diagrams --check)', async () => {
    const r = await cli('diagrams', '--check');
    expect(r.stderr + r.stdout).not.toMatch(/out of date|differs|missing/i);
    expect(r.code).toBe(0);
  });
});
