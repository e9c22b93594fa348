import { describe, expect, it } from 'vitest';
import { newestRelease, releaseFor, releaseNamed, releases, resolveConfig } from '../../src/config/index.js';
import { runScenario } from '../../src/cluster/run.js';
import { parseScenario } from '../../src/cluster/scenario.js';
import { InputError } from '../../src/errors.js';

describe('Kafka releases as profiles', () => {
  it('lists the releases the issue names, oldest first, each extending the one before', () => {
    const versions = releases.map((r) => r.version);
    for (const v of ['0.10.2', '0.11', '1.1', '2.0', '2.1', '3.6', '3.7', '3.9', '4.0', '4.1']) expect(versions).toContain(v);
    expect(versions[0]).toBe('0.10.2');
    expect(versions[versions.length - 1]).toBe(newestRelease.version);
    releases.forEach((r, i) => expect(r.previous).toBe(i === 0 ? undefined : releases[i - 1]));
  });

  it('every change names its KIP or JIRA and really changes the setting', () => {
    for (const r of releases) {
      for (const c of r.changes) {
        expect(c.ref, `${r.version} ${c.setting}`).toMatch(/^(KIP-\d+|KAFKA-\d+)$/);
        expect(r.previous!.settings[c.setting], `${r.version} ${c.setting} repeats the previous value`).not.toEqual(c.value);
        expect(r.settings[c.setting]).toEqual(c.value);
      }
    }
  });

  it('each release carries the protocol of its time', () => {
    const on = (v: string) => resolveConfig('default', {}, 'config', v);
    expect(on('0.10.2')).toMatchObject({ truncation: 'high-watermark', fetchEpochFencing: false, enableIdempotence: false, retries: 0 });
    expect(on('0.11').truncation).toBe('leader-epoch');
    expect(on('1.1').truncation).toBe('leader-epoch');
    expect(on('2.0').truncation).toBe('leader-epoch-kip279');
    expect(on('2.0').fetchEpochFencing).toBe(false);
    expect(on('2.1').fetchEpochFencing).toBe(true);
    expect(on('2.5').staticMemberRejoinStored).toBe(false);
    expect(on('2.7').staticMemberRejoinStored).toBe(true);
    expect(on('2.8').enableIdempotence).toBe(false);
    expect(on('3.0')).toMatchObject({ enableIdempotence: true, sessionTimeoutMs: 450 });
    expect(on('3.6').strictMinIsr).toBe(false);
    expect(on('3.7').strictMinIsr).toBe(true);
    expect(on('3.9')).toMatchObject({ txnEpochBump: 'init-only', eligibleLeaderReplicas: false });
    expect(on('4.0')).toMatchObject({ txnEpochBump: 'per-transaction', eligibleLeaderReplicas: false });
    expect(on('4.1').eligibleLeaderReplicas).toBe(true);
  });

  it('Kafka\'s own times under timings: kafka, the scaled ones otherwise', () => {
    expect(resolveConfig('default', { timings: 'kafka' }, 'config', '2.4').replicaLagTimeMaxMs).toBe(10_000);
    expect(resolveConfig('default', { timings: 'kafka' }, 'config', '2.5').replicaLagTimeMaxMs).toBe(30_000);
    expect(resolveConfig('default', {}, 'config', '2.5').replicaLagTimeMaxMs).toBe(300);
    expect(resolveConfig('default', {}, 'config', '0.10.2').groupInitialRebalanceDelayMs).toBe(0);
  });

  it('a preset is a deviation from a release: its own release unless one is named', () => {
    expect(releaseFor('hw-truncation').version).toBe('0.10.2');
    expect(releaseFor('late-endtxn').version).toBe('3.9');
    expect(releaseFor('acks1').version).toBe(newestRelease.version);
    expect(releaseFor('hw-truncation', '4.1').version).toBe('4.1');
    const acks1 = resolveConfig('acks1', {}, 'config', '3.6');
    expect(acks1).toMatchObject({ acks: 1, strictMinIsr: false });
  });

  it('refuses an unknown release, or a feature the release does not have, in one line', () => {
    expect(() => releaseNamed('9.9')).toThrow(InputError);
    expect(() => releaseNamed('9.9')).toThrow(/--kafka: unknown Kafka release "9.9" \(expected one of 0\.10\.2, /);
    expect(() => resolveConfig('default', { enableIdempotence: true }, 'config', '0.10.2')).toThrow(/config\.overrides\.enableIdempotence: Kafka 0\.10\.2 has no idempotence \(it came in 0\.11\)/);
    expect(() => resolveConfig('cooperative', {}, 'config', '2.2')).toThrow(/has no cooperative-rebalancing \(it came in 2\.4\)/);
    expect(() => resolveConfig('default', { strictMinIsr: false }, 'config', '4.1')).toThrow(/eligibleLeaderReplicas: needs strictMinIsr/);
    const txn = parseScenario({ config: { kafka: '0.10.2' }, workload: { kind: 'produce', records: 4, transactional: { recordsPerTxn: 2 } } });
    expect(() => runScenario(txn, 'off')).toThrow(/workload: Kafka 0\.10\.2 has no transactions \(it came in 0\.11\)/);
  });

  it('a scenario names its release, and the run says which it modelled', () => {
    const { summary } = runScenario(parseScenario({ config: { kafka: '2.1' }, workload: { kind: 'produce', records: 5 } }), 'off');
    expect(summary.kafka).toBe('2.1');
    expect(summary.violation).toBeUndefined();
  });
});
