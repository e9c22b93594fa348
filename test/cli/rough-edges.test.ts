import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kafka-model-edges-'));
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('what a new user runs into (issue 16)', () => {
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await cli(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('"__proto__" in any object of a scenario is one line naming where, and exit 2', async () => {
    // JSON text: in an object literal, __proto__ would set the prototype instead of a key.
    const cases: [string, string][] = [
      ['{"config":{"preset":"default","overrides":{"__proto__":{"acks":1}}}}', 'config.overrides'],
      ['{"__proto__":{"seed":3}}', '(top level)'],
      ['{"workload":{"kind":"produce","groups":[{"consumers":1,"__proto__":{}}]}}', 'workload.groups[0]'],
      ['{"faults":[{"at":1,"type":"crash","node":"b1","__proto__":{"kind":"process"}}]}', 'faults[0]'],
    ];
    for (const [i, [text, where]] of cases.entries()) {
      const file = join(tmp, `proto${i}.json`);
      writeFileSync(file, text);
      const r = await cli('run', '--scenario', file);
      expect(r.code, text).toBe(2);
      expect(r.stderr).toBe(`kafka-model: ${file}: ${where}: "__proto__" is not a field (an object's prototype cannot be set from a scenario)\n`);
    }
    // The same key anywhere else is still an unknown field, as before.
    writeFileSync(join(tmp, 'bogus.json'), '{"config":{"preset":"default","overrides":{"bogusKey":1}}}');
    expect((await cli('run', '--scenario', join(tmp, 'bogus.json'))).code).toBe(2);
  });
});

describe('conform --mock-cluster without a compiler', () => {
  it('building the launcher throws PrerequisiteMissing, an InputError (so one line and exit 2 in the CLI), naming what to install', async () => {
    const { buildLauncher } = await import('../../src/oracle/conform/mock-cluster.js');
    const { PrerequisiteMissing } = await import('../../src/errors.js');
    const before = process.env['CC'];
    process.env['CC'] = '/nonexistent/cc';
    try {
      let error: unknown;
      try {
        buildLauncher(join(tmp, 'launcher'));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PrerequisiteMissing);
      const message = (error as Error).message;
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(/librdkafka-dev/);
      if (existsSync('/usr/include/librdkafka/rdkafka_mock.h')) expect(message).toMatch(/\/nonexistent\/cc.*not found/);
    } finally {
      if (before === undefined) delete process.env['CC'];
      else process.env['CC'] = before;
    }
  });
});

describe('counts read as English', () => {
  it('"1 key", "2 keys": the checker report on a one-key history', async () => {
    const { plural } = await import('../../src/text.js');
    expect([plural(0, 'key'), plural(1, 'key'), plural(2, 'key'), plural(1, 'process', 'processes'), plural(3, 'process', 'processes')]).toEqual(['0 keys', '1 key', '2 keys', '1 process', '3 processes']);
    const file = join(tmp, 'one-key.jsonl');
    writeFileSync(file, '{"type":"ok","process":0,"f":"send","value":[["send",1,[0,10]]]}\n{"type":"ok","process":1,"f":"poll","value":[["poll",{"1":[[0,10]]}]]}\n');
    const r = await cli('check', file);
    expect(r.stdout).toContain(': 2 ops, 2 client completions, 1 key\n');
  });
});
