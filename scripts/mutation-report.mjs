#!/usr/bin/env node
/**
 * `npm run mutate:report`: turn a StrykerJS JSON report (the mutation-testing-report-schema) into
 * docs/mutation.md: the mutation score per folder and per file, and every mutant no test
 * detected (survived, or covered by no test), with its place, mutator and replacement.
 *
 *   node scripts/mutation-report.mjs                       the last run's report, reports/mutation/mutation.json
 *                                                          (else the committed reports/stryker-incremental.json)
 *   node scripts/mutation-report.mjs --from FILE           another report (the incremental file is one too)
 *   node scripts/mutation-report.mjs --out FILE            write elsewhere than docs/mutation.md ('-': stdout)
 *
 * The output depends on the report only (no clock), so the same report gives the same bytes.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const lastRun = 'reports/mutation/mutation.json';
const incremental = 'reports/stryker-incremental.json';
const from = opt('--from') ?? (existsSync(join(root, lastRun)) ? lastRun : incremental);
const out = opt('--out') ?? 'docs/mutation.md';
if (!existsSync(resolve(root, from))) {
  console.error(`mutation-report: no report at ${from}; run \`npm run mutate\` first`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(resolve(root, from), 'utf8'));
const config = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));

/** The folders the configuration mutates: each pattern is `FOLDER/**\/*.ts`. */
const roots = config.mutate.filter((p) => !p.startsWith('!')).map((p) => p.replace(/\/\*\*\/\*\.ts$/, ''));
function walk(dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).sort().flatMap((name) => {
    const p = join(abs, name);
    const rel = relative(root, p).split('\\').join('/');
    return statSync(p).isDirectory() ? walk(rel) : rel.endsWith('.ts') ? [rel] : [];
  });
}
const configured = roots.flatMap(walk);
const rootOf = (file) => roots.find((r) => file.startsWith(`${r}/`)) ?? dirname(file);

// Stryker's metrics (mutation-testing-metrics): detected = killed + timeout, undetected = survived
// + no coverage; the score is detected / (detected + undetected); errors and ignored are left out.
const empty = () => ({ Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, RuntimeError: 0, CompileError: 0, Ignored: 0, Pending: 0 });
function add(counts, status) {
  counts[status] = (counts[status] ?? 0) + 1;
}
function score(c) {
  const detected = c.Killed + c.Timeout;
  const valid = detected + c.Survived + c.NoCoverage;
  const covered = detected + c.Survived;
  return {
    total: valid + c.RuntimeError + c.CompileError + c.Ignored + c.Pending,
    score: valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(2)}%`,
    covered: covered === 0 ? 'n/a' : `${((100 * detected) / covered).toFixed(2)}%`,
  };
}
const row = (name, c) => {
  const s = score(c);
  return `| ${name} | ${s.score} | ${s.covered} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} | ${c.RuntimeError + c.CompileError} | ${c.Ignored} | ${s.total} |`;
};
const folderHeader = ['| | Files run | Score | Score of covered | Killed | Timeout | Survived | No coverage | Errors | Ignored | Mutants |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
const header = ['| | Score | Score of covered | Killed | Timeout | Survived | No coverage | Errors | Ignored | Mutants |', '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];

const files = Object.keys(report.files).sort();
const perFile = new Map();
const perRoot = new Map();
const all = empty();
const undetected = [];
for (const file of files) {
  const { source, mutants } = report.files[file];
  const lines = source.split('\n');
  const c = empty();
  for (const m of mutants) {
    add(c, m.status);
    add(all, m.status);
    if (m.status === 'Survived' || m.status === 'NoCoverage') undetected.push({ file, m, original: snippet(lines, m.location) });
  }
  perFile.set(file, c);
  const r = rootOf(file);
  const rc = perRoot.get(r) ?? empty();
  for (const k of Object.keys(c)) rc[k] = (rc[k] ?? 0) + c[k];
  perRoot.set(r, rc);
}

/** The source text a mutant replaces (its location's columns are 1-based). */
function snippet(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1]?.slice(start.column - 1, end.column - 1) ?? '';
  const first = lines[start.line - 1]?.slice(start.column - 1) ?? '';
  const mid = lines.slice(start.line, end.line - 1);
  const last = lines[end.line - 1]?.slice(0, end.column - 1) ?? '';
  return [first, ...mid, last].join('\n');
}
/** One line of at most `max` characters, as a markdown code span inside a table cell. */
function code(text, max = 90) {
  let t = text.replace(/\s+/g, ' ').trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  if (t === '') return '(empty)';
  t = t.replace(/\|/g, '\\|');
  const ticks = '`'.repeat(Math.max(0, ...[...t.matchAll(/`+/g)].map((x) => x[0].length)) + 1);
  const pad = t.startsWith('`') || t.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

const missing = configured.filter((f) => !report.files[f]);
// A run of the configured patterns (no --mutate on the command line) is a full run; a file it
// does not report has no mutant (types or re-exports only).
const ranPatterns = report.config?.mutate ?? [];
const full = missing.length === 0 || JSON.stringify(ranPatterns) === JSON.stringify(config.mutate);
const md = [];
md.push('# Mutation testing', '');
md.push(`<!-- Generated by \`npm run mutate:report\` (scripts/mutation-report.mjs) from ${from}; do not edit by hand. -->`, '');
md.push(
  'StrykerJS mutates the model\'s source one small change at a time (a condition made `true`, a `<` made `<=`, a',
  'statement removed, ...) and runs the tests that cover each change. A mutant is **killed** when a test fails',
  'under it, **survives** when every test covering it passes, and has **no coverage** when no test runs its code.',
  'Each survivor is a change to the model that the tests cannot tell from the model: a missing test, or an',
  'equivalent change (same behaviour), to be shown as such (issue #18, item 2).',
  '',
);
md.push('## What this report covers', '');
if (full) {
  md.push(`A run of every file that \`stryker.config.json\` mutates (${configured.length} files in ${roots.map((r) => `\`${r}\``).join(', ')}).`, '');
  if (missing.length > 0) md.push(`Files with no mutant (types or re-exports only): ${missing.map((f) => `\`${f}\``).join(', ')}.`, '');
} else {
  md.push(
    `**Only part of the configured files has been run so far**: ${files.length} of the ${configured.length} files that`,
    `\`stryker.config.json\` mutates (${roots.map((r) => `\`${r}\``).join(', ')}). The scores below are for those files only,`,
    'not for the folders as a whole. The full run is `npm run mutate` (then `npm run mutate:report`): an estimated 8',
    'hours or more on 2 cores the first time, and minutes after a small change, as incremental mode reuses the results',
    'of unchanged code and tests from the committed `reports/stryker-incremental.json`, which each full run rewrites.',
    '',
    ...(ranPatterns.length > 0 ? [`The run this report comes from was given \`--mutate ${ranPatterns.join(',')}\`.`, ''] : []),
    'Not run yet:',
    '',
    ...roots
      .map((r) => [r, missing.filter((f) => rootOf(f) === r)])
      .filter(([, fs]) => fs.length > 0)
      .map(([r, fs]) => `- \`${r}\` (${fs.length} of ${configured.filter((f) => rootOf(f) === r).length} files): ${fs.map((f) => f.slice(r.length + 1)).join(', ')}`),
    '',
  );
}
md.push('## How to read it', '');
md.push(
  '- **Score** is Stryker\'s mutation score: (killed + timeout) / (killed + timeout + survived + no coverage).',
  '  **Score of covered** leaves out the mutants no test runs. A timeout counts as detected: the mutant made a',
  '  test loop or hang. **Errors** are mutants that do not compile or crash on load; they count in neither.',
  '- The tests that judge mutants are those of `vitest.mutate.config.ts`: `npm test`\'s, less the browser, gcc,',
  '  child-process, worker-thread and source-text tests that cannot see a mutant (the file says which and why).',
  '- **Undetected mutants** lists each survivor and uncovered mutant as `file:line:column`, the mutator, the',
  '  source text it replaces and what it puts there. The HTML report of the last run, with the code shown',
  '  around each mutant and the tests that covered it, is `reports/mutation/mutation.html` (not committed).',
  '',
);
md.push('## Score per folder', '', ...folderHeader);
const withFiles = (text, done, of) => text.replace(/^\| ([^|]*) \|/, `| $1 | ${done}/${of} |`);
for (const r of roots) {
  const of = configured.filter((f) => rootOf(f) === r).length;
  const done = files.filter((f) => rootOf(f) === r).length;
  md.push(done === 0 ? `| \`${r}\` | 0/${of} | not run |  |  |  |  |  |  |  |  |` : withFiles(row(`\`${r}\``, perRoot.get(r)), done, of));
}
for (const r of [...perRoot.keys()].filter((r) => !roots.includes(r)).sort()) md.push(withFiles(row(`\`${r}\` (not configured)`, perRoot.get(r)), files.filter((f) => rootOf(f) === r).length, '?'));
md.push(withFiles(row('**all**', all), files.length, configured.length), '');
md.push('## Score per file', '', ...header);
for (const f of files) md.push(row(`\`${f}\``, perFile.get(f)));
md.push('');
md.push(`## Undetected mutants (${undetected.length})`, '');
if (undetected.length === 0) md.push('None.', '');
else {
  md.push('| Where | Status | Mutator | Replaces | With |', '|---|---|---|---|---|');
  undetected.sort((a, b) => a.file.localeCompare(b.file) || a.m.location.start.line - b.m.location.start.line || a.m.location.start.column - b.m.location.start.column);
  for (const { file, m, original } of undetected) {
    const where = `${file}:${m.location.start.line}:${m.location.start.column}`;
    md.push(`| ${where} | ${m.status === 'NoCoverage' ? 'no coverage' : 'survived'} | ${m.mutatorName} | ${code(original)} | ${code(m.replacement ?? '')} |`);
  }
  md.push('');
}
md.push('## Running it', '');
md.push(
  '```',
  'npm run mutate                                       # every configured file (incremental)',
  'npm run mutate -- --mutate src/machines/replica.ts   # one file',
  'npm run mutate:report                                # this file, from the last run\'s report',
  '```',
  '',
  'A one-file run writes its incremental results to the git-ignored `reports/mutation/incremental-partial.json`,',
  'not to the committed `reports/stryker-incremental.json`, which only a full run rewrites. Mutation runs are',
  'never part of `npm test` or `.ci/run`.',
  '',
);
const text = md.join('\n');
if (out === '-') process.stdout.write(text);
else {
  writeFileSync(resolve(root, out), text);
  console.log(`mutation-report: ${out} from ${from}: ${files.length} of ${configured.length} configured files, score ${score(all).score}, ${undetected.length} undetected`);
}
