import { describe, expect, it } from 'vitest';
import { fixOf, historicalBugs } from '../../src/bugs/catalogue.js';
import { releaseNamed } from '../../src/config/index.js';
import { propertyIds } from '../../src/explore/search.js';
import { presetNames } from '../../src/config/index.js';
import { cli } from '../helpers/cli.js';

describe('the historical bugs catalogue', () => {
  it('each bug is fixed by a change that a release module between its two releases makes, and only the fixed release has it', () => {
    const ids = new Set<string>();
    for (const b of historicalBugs) {
      expect(ids.has(b.id), b.id).toBe(false);
      ids.add(b.id);
      const fix = fixOf(b);
      expect(fix.ref).toBe(b.fixRef);
      expect(releaseNamed(b.fixed).settings[fix.setting], b.id).toEqual(fix.value);
      expect(releaseNamed(b.buggy).settings[fix.setting], b.id).not.toEqual(fix.value);
      expect(propertyIds(), b.id).toContain(b.property);
      expect(presetNames(), b.id).toContain(b.search.preset);
    }
  });

  it('a bug whose fix names no change between its releases is refused by name', () => {
    expect(() => fixOf({ ...historicalBugs[0]!, fixRef: 'KIP-0' })).toThrow(/KIP-101-1: no release after 0\.10\.2 up to 0\.11 has a change named KIP-0/);
  });

});

describe('kafka-model bugs', () => {
  it('an unknown bug id is one line and exit 2', async () => {
    const r = await cli('bugs', '--only', 'KAFKA-1');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--only: no bug named KAFKA-1 \(expected some of KIP-101-1,/);
  });

  // One bug end to end (the others run in `kafka-model bugs`): KAFKA-15583 is found on 3.6,
  // replays, is repaired by strict min ISR alone, and holds on 3.7.
  it('--json gives each bug its releases, verdicts and evidence', async () => {
    const r = await cli('bugs', '--only', 'KAFKA-15583', '--quick', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { bugs: Record<string, unknown>[] };
    expect(out.bugs).toHaveLength(1);
    expect(out.bugs[0]).toMatchObject({ id: 'KAFKA-15583', buggy: '3.6', fixed: '3.7', property: 'min-isr-hw', foundOnBuggy: true, replays: true, fixAloneRepairs: true, heldOnFixed: true, heldRuns: 100, ok: true });
    expect(out.bugs[0]!.shrunkSteps as number).toBeLessThanOrEqual(15);
    expect(typeof out.bugs[0]!.runs).toBe('number');
    expect(typeof out.bugs[0]!.foundMs).toBe('number');
    expect(out.bugs[0]!.scenario).toMatchObject({ config: { kafka: '3.6' }, expect: { violation: 'min-isr-hw' } });
    expect(r.stderr).toMatch(/bugs: \[1\/1\] KAFKA-15583: ok/);
  }, 60_000);
});
