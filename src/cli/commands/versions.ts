import { newestRelease, releases, type Feature, type Release } from '../../config/index.js';
import type { RegisterCommand } from './index.js';

function releaseJson(r: Release) {
  return {
    version: r.version,
    extends: r.previous?.version ?? null,
    changes: r.changes,
    introduces: r.introduces,
    unmodelled: r.unmodelled,
    settings: r.settings,
  };
}

/** How release notes say that a release brought a feature. */
const featureNote: Record<Feature, string> = {
  idempotence: 'can run idempotence',
  transactions: 'can run transactions',
  'cooperative-rebalancing': 'can run cooperative-rebalancing',
  kraft: 'can run KRaft mode (controlPlane = kraft)',
  'kraft-only': 'KRaft only: ZooKeeper mode (controlPlane = zookeeper) is refused',
  'consumer-group-protocol': 'can run the KIP-848 consumer group protocol (groupProtocol = consumer; the consumer default stays classic)',
};

/** The releases as release notes: what each changed over the one before, and what the model leaves out. */
function releaseNotes(): string {
  const lines = [
    `Kafka releases the model runs, oldest first. A scenario without "kafka" runs its preset's release, else the newest (${newestRelease.version}).`,
    'Times are Kafka\'s defaults in ms; the model runs them divided by 100 unless timings is "kafka".',
    '',
  ];
  for (const r of releases) {
    lines.push(r.previous ? `Kafka ${r.version}` : `Kafka ${r.version} (the first release modelled; its settings:)`);
    if (!r.previous) {
      for (const [k, v] of Object.entries(r.settings)) lines.push(`    ${k} = ${String(v)}`);
    }
    const width = Math.max(0, ...r.changes.map((c) => `${c.setting} = ${String(c.value)}`.length));
    for (const c of r.changes) lines.push(`  + ${`${c.setting} = ${String(c.value)}`.padEnd(width)}  ${c.ref.padEnd(11)} ${c.summary}`);
    for (const f of r.introduces) lines.push(`  + ${featureNote[f]}`);
    if (r.previous && r.changes.length === 0 && r.introduces.length === 0) lines.push('    (no change the model sees)');
    for (const u of r.unmodelled) lines.push(`  - not modelled: ${u.ref}: ${u.summary}`);
    lines.push('');
  }
  return lines.join('\n');
}

export const registerVersions: RegisterCommand = (program, io) => {
  program
    .command('versions')
    .description('list the Kafka releases the model runs (--kafka VERSION), with what each changed and its KIP or JIRA')
    .option('--json', 'print {"newest","releases":[{"version","extends","changes":[{"setting","value","ref","summary"}],"introduces","unmodelled","settings"}]}')
    .action((opts: { json?: boolean }) => {
      if (opts.json) io.out(JSON.stringify({ newest: newestRelease.version, releases: releases.map(releaseJson) }) + '\n');
      else io.out(releaseNotes());
    });
};
