import { describe, expect, it } from 'vitest';
import { effectiveMinIsr, minIsrOf, TRANSACTION_STATE_TOPIC } from '../../src/config/schema.js';
import { resolveConfig } from '../../src/config/index.js';
import { OFFSETS_TOPIC } from '../../src/machines/protocol.js';
import { TXN_TOPIC } from '../../src/machines/txn-protocol.js';

describe('internal topics and min.insync.replicas', () => {
  it('the transaction log keeps transaction.state.log.min.isr (2) when min.insync.replicas is lowered; __consumer_offsets follows the cluster', () => {
    const c = resolveConfig('min-isr-1');
    expect(TXN_TOPIC).toBe(TRANSACTION_STATE_TOPIC);
    expect(minIsrOf(c, TXN_TOPIC)).toBe(2);
    expect(minIsrOf(c, 't')).toBe(1);
    expect(minIsrOf(c, OFFSETS_TOPIC)).toBe(1);
    expect(effectiveMinIsr(c, 3, TXN_TOPIC)).toBe(2);
    expect(effectiveMinIsr(c, 3)).toBe(1);
  });

  it('is held to the replication factor of the model\'s internal topics', () => {
    const c = resolveConfig('default', { brokers: 1, replicationFactor: 1, minInsyncReplicas: 1 });
    expect(minIsrOf(c, TXN_TOPIC)).toBe(1);
  });
});
