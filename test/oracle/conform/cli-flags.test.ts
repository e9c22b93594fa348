import { describe, expect, it } from 'vitest';
import { conform } from './support.js';

describe('kafka-model conform: bad flags are one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [[], /exactly one of --brokers/],
    [['--brokers', '127.0.0.1:9092', '--mock-cluster', '1'], /exactly one of --brokers/],
    [['--brokers', 'localhost'], /--brokers takes HOST:PORT/],
    [['--brokers', '127.0.0.1:70000'], /--brokers takes HOST:PORT/],
    [['--brokers', '127.0.0.1:9092', '--duration', 'soon'], /--duration must be a number of seconds/],
    [['--brokers', '127.0.0.1:9092', '--keys', '0'], /--keys must be an integer from 1/],
    [['--brokers', '127.0.0.1:9092', '--clients', '2.5'], /--clients must be an integer/],
    [['--brokers', '127.0.0.1:9092', '--sub-via', 'magic'], /--sub-via must be assign or subscribe/],
    [['--brokers', '127.0.0.1:9092', '--fault', 'slow-produce'], /--fault needs --mock-cluster/],
    [['--mock-cluster', '1', '--fault', 'meteor'], /--fault must be one of slow-produce, produce-errors/],
    [['--mock-cluster', '99'], /--mock-cluster must be an integer from 1 to 16/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' ') || '(no flags)', async () => {
      const r = await conform(args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    });
  }
});

describe('conform against an address nothing answers at', () => {
  it('says so in one line, exit 2, no stack trace', async () => {
    const { cli } = await import('../../helpers/cli.js');
    const r = await cli('conform', '--brokers', '127.0.0.1:1', '--duration', '1');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--brokers 127\.0\.0\.1:1: cannot work with the cluster \(.*ECONNREFUSED/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  }, 30_000);
});
