#!/usr/bin/env node
/**
 * Apply each one-line mutant of a protocol rule listed in test/mutants/mutants.json to a
 * temporary copy of the repository, run the tests named as killing it, and report each mutant
 * killed (a named test failed) or survived. The working tree is never touched. Not part of
 * `npm test` or CI: run it by hand (test/mutants/README.md).
 *
 *   node scripts/check-mutants.mjs                      every mutant, its named tests
 *   node scripts/check-mutants.mjs replica-min-isr-produce group-sync-generation
 *   node scripts/check-mutants.mjs --all-tests ID       run the whole vitest suite instead
 *                                                       (about 5 minutes a mutant on 2 cores)
 *   node scripts/check-mutants.mjs --list               list the mutants and where they apply
 *
 * Exit status: 0 if every mutant run was killed, 1 if any survived, 2 on a bad list (a
 * mutant's `find` text is not found exactly once, or the named tests fail without a mutant).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const mutants = JSON.parse(readFileSync(join(root, 'test/mutants/mutants.json'), 'utf8'));

const args = process.argv.slice(2);
const allTests = args.includes('--all-tests');
const listOnly = args.includes('--list');
const ids = args.filter((a) => !a.startsWith('--'));
const unknown = ids.filter((id) => !mutants.some((m) => m.id === id));
if (unknown.length > 0) {
  console.error(`unknown mutant id(s): ${unknown.join(', ')}; known: ${mutants.map((m) => m.id).join(', ')}`);
  process.exit(2);
}
const chosen = ids.length > 0 ? mutants.filter((m) => ids.includes(m.id)) : mutants;

/** Where `find` occurs in `text`: its 1-based line, or an error if not exactly once. */
function locate(text, find) {
  const first = text.indexOf(find);
  if (first < 0) return { error: 'not found' };
  if (text.indexOf(find, first + 1) >= 0) return { error: 'found more than once' };
  return { line: text.slice(0, first).split('\n').length };
}

let bad = false;
for (const m of chosen) {
  const at = locate(readFileSync(join(root, m.file), 'utf8'), m.find);
  m.line = at.line;
  if (at.error) {
    console.error(`${m.id}: ${m.file}: the mutant's text is ${at.error} (the source moved on; update test/mutants/mutants.json)`);
    bad = true;
  }
}
if (listOnly) {
  for (const m of chosen) console.log(`${m.id.padEnd(34)} ${`${m.file}:${m.line ?? '?'}`.padEnd(40)} ${m.tests.join(' ')}`);
  process.exit(bad ? 2 : 0);
}
if (bad) process.exit(2);

// A copy of the tracked files (and uncommitted edits to them), sharing node_modules.
const work = mkdtempSync(join(tmpdir(), 'kafka-model-mutants-'));
const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).stdout.split('\0').filter(Boolean);
for (const f of tracked) {
  mkdirSync(dirname(join(work, f)), { recursive: true });
  try {
    cpSync(join(root, f), join(work, f));
  } catch {
    // deleted in the working tree: not copied
  }
}
symlinkSync(realpathSync(join(root, 'node_modules')), join(work, 'node_modules'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function vitest(tests) {
  const t0 = Date.now();
  const r = spawnSync('npx', ['vitest', 'run', ...(allTests ? [] : tests), '--reporter=dot'], { cwd: work, encoding: 'utf8' });
  return { ok: r.status === 0, seconds: ((Date.now() - t0) / 1000).toFixed(1), output: `${r.stdout}${r.stderr}` };
}

// The named tests must pass unmutated, or a failure under a mutant proves nothing.
const baseline = vitest([...new Set(chosen.flatMap((m) => m.tests))]);
if (!baseline.ok) {
  console.error(`the named tests fail without any mutant:\n${baseline.output.slice(-3000)}`);
  process.exit(2);
}

const results = [];
for (const m of chosen) {
  const path = join(work, m.file);
  const original = readFileSync(path, 'utf8');
  writeFileSync(path, original.replace(m.find, m.replace));
  const r = vitest(m.tests);
  writeFileSync(path, original);
  results.push({ ...m, killed: !r.ok, seconds: r.seconds });
  console.log(`${r.ok ? 'SURVIVED' : 'killed  '}  ${m.id.padEnd(34)} ${`${m.file}:${m.line}`.padEnd(40)} ${r.seconds}s  ${allTests ? '(all tests)' : m.tests.join(' ')}`);
}
const survived = results.filter((r) => !r.killed);
console.log(`\n${results.length - survived.length} of ${results.length} mutants killed${survived.length ? `; survived: ${survived.map((r) => r.id).join(', ')}` : ''}`);
process.exit(survived.length > 0 ? 1 : 0);
