import { describe, expect, it } from 'vitest';
import { nothingChecked, renderReport, verdictOf, type ConformRun, type Op } from '../../../src/oracle/conform/index.js';

const valid = { valid: true, 'error-types': [], 'bad-error-types': [], errors: {} } as unknown as NonNullable<ConformRun['result']>;

function run(ops: Op[], recordsPolled: number, result: ConformRun['result'] = valid): ConformRun {
  const completions: Record<string, Record<string, number>> = {};
  for (const op of ops) if (op.type !== 'invoke') ((completions[op.f] ??= {})[op.type] = (completions[op.f]?.[op.type] ?? 0) + 1);
  return {
    options: { brokers: ['x:1'], keys: 1, clients: 1, durationMs: 1, subVia: 'subscribe', idempotent: false, producerRetries: 0, requestTimeoutMs: 1, crashIntervalMs: 0, faults: [], seed: 1 } as unknown as ConformRun['options'],
    ops,
    result,
    stats: { brokers: ['x:1'], topicPrefix: 't', durationMs: 1, processes: 1, completions, recordsPolled, targetOffsets: {}, finalReadComplete: true, faults: [] },
  };
}

const send = (type: Op['type'], error?: string): Op => ({ process: 0, type, f: 'send', value: [['send', 0, 1]], ...(error ? { error } : {}) }) as Op;

describe('conform verdicts: VALID needs something checked (issue 14)', () => {
  it('a history whose sends all ended unknown is "nothing checked", naming the most frequent error', () => {
    const r = run([send('invoke'), send('info', 'KafkaJSBrokerNotFound'), send('invoke'), send('info', 'KafkaJSBrokerNotFound'), send('invoke'), send('info', 'timed out')], 0);
    expect(verdictOf(r)).toBe('nothing-checked');
    expect(nothingChecked(r)).toBe('no send was acknowledged (3 invoked, 3 info); most often: KafkaJSBrokerNotFound (2)');
    expect(renderReport(r)).toMatch(/^kafka-model conform: NOTHING-CHECKED\n[^]*checker: no anomaly, but nothing checked: no send was acknowledged/);
  });

  it('acknowledged sends that no poll read back are "nothing checked" too', () => {
    expect(nothingChecked(run([send('invoke'), send('ok')], 0))).toBe('no poll returned a record');
  });

  it('acknowledged and read: VALID; anomalies stay INVALID whatever was checked', () => {
    expect(verdictOf(run([send('invoke'), send('ok')], 1))).toBe('valid');
    expect(verdictOf(run([send('invoke'), send('info')], 0, { ...valid, valid: false, 'bad-error-types': ['G1c'] } as unknown as NonNullable<ConformRun['result']>))).toBe('invalid');
    expect(verdictOf(run([], 0, null))).toBe('unchecked');
  });

  it("Jepsen's empty-transaction-graph on a history with nothing acknowledged is \"nothing checked\"", () => {
    const empty = { ...valid, valid: false, 'error-types': ['empty-transaction-graph'], 'bad-error-types': ['empty-transaction-graph'] } as unknown as NonNullable<ConformRun['result']>;
    expect(verdictOf(run([send('invoke'), send('info')], 0, empty))).toBe('nothing-checked');
    expect(verdictOf(run([send('invoke'), send('ok')], 1, empty))).toBe('invalid');
  });
});
