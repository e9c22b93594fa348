#!/usr/bin/env node
/**
 * `npm run mutate`: StrykerJS on the files stryker.config.json names (issue 18), in incremental
 * mode. Not part of `npm test` or `.ci/run`: see docs/mutation.md.
 *
 *   npm run mutate                                       every configured file; reuses and then
 *                                                        rewrites reports/stryker-incremental.json
 *   npm run mutate -- --mutate src/machines/replica.ts   one file (any Stryker option passes through)
 *
 * Stryker writes its incremental file with the results of the files of this run only, so a run
 * given --mutate (or -m) would replace the committed results of every other file. Such a partial
 * run therefore starts from a copy of the committed file, reports/mutation/incremental-partial.json
 * (git-ignored), and writes its results there; the committed file is left as the last full run
 * wrote it. An explicit --incrementalFile is left alone.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const committed = join(root, 'reports/stryker-incremental.json');
const partial = join(root, 'reports/mutation/incremental-partial.json');

const args = process.argv.slice(2);
const has = (...names) => args.some((a) => names.some((n) => a === n || a.startsWith(`${n}=`)));
const extra = [];
if (has('--mutate', '-m') && !has('--incrementalFile')) {
  mkdirSync(dirname(partial), { recursive: true });
  if (existsSync(committed)) copyFileSync(committed, partial);
  extra.push('--incrementalFile', 'reports/mutation/incremental-partial.json');
  console.log('mutate: a partial run (--mutate): its incremental results go to reports/mutation/incremental-partial.json, not the committed reports/stryker-incremental.json');
}

const stryker = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin/stryker.js');
const r = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.json', ...args, ...extra], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
