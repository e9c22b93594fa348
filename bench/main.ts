/**
 * `npm run bench`: every benchmark, each printing ratios against a baseline measured in the
 * same run. Pass names to run only some: `npm run bench -- kernel`.
 */
const benches: Record<string, () => Promise<{ default: () => Promise<void> }>> = {
  kernel: () => import('./kernel.js'),
  replication: () => import('./replication.js'),
  check: () => import('./check.js'),
  workers: () => import('./workers.js'),
  find: () => import('./find.js'),
};

const only = process.argv.slice(2);
for (const [name, load] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const mod = await load();
  await mod.default();
  console.log();
}
