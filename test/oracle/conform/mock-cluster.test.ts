import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockCluster } from '../../../src/oracle/conform/index.js';
import { skipLive } from './support.js';

describe.skipIf(skipLive)('librdkafka mock-cluster launcher', () => {
  let mock: MockCluster;
  beforeAll(async () => {
    mock = await MockCluster.start({ brokers: 3 });
  });
  afterAll(async () => {
    await mock?.close();
  });

  it('listens on loopback only, one address per broker', () => {
    expect(mock.bootstrap).toHaveLength(3);
    for (const b of mock.bootstrap) expect(b).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('answers each command with OK, or ERR naming the problem', async () => {
    await mock.createTopic('t-launcher', 1, 3);
    await expect(mock.command('stack-count 1 0')).resolves.toBe('0');
    await mock.command('broker-rtts 1 0 2 0 100');
    await expect(mock.command('stack-count 1 0')).resolves.toBe('2');
    await expect(mock.command('stack-count 9 0')).rejects.toThrow(/UNKNOWN_BROKER/);
    await expect(mock.command('launch-missiles')).rejects.toThrow(/unknown command/);
    await mock.command('request-errors 0 1 19');
    await mock.command('clear-errors 0');
  });
});
