import { runScenario } from '../../cluster/run.js';
import { parseScenario } from '../../cluster/scenario.js';
import { offsetUnique, readableSendOrder } from '../checks.js';
import type { Experiment, ExperimentContext } from '../types.js';
import { describeSearch, exhibit, safetyVerdict } from './common.js';

type Ack = { p: number; offset: number; value: number };

function acks(ctx: ExperimentContext, partitions: number): Ack[] {
  const s = parseScenario({ seed: 1, durationMs: 800, config: ctx.config('default', { partitions }), workload: { kind: 'produce', records: 30, intervalMs: 10, keys: 6 } });
  const { world } = runScenario(s, 'off');
  return world.history
    .filter((o) => o.f === 'send' && o.type === 'ok')
    .map((o) => {
      const [, p, [offset, value]] = (o.value as [string, number, [number, number]][])[0]!;
      return { p, offset, value };
    });
}

/**
 * order-within-partition: what a consumer reads of one partition is in the order the producer
 * sent it. Searched on the default producer (idempotent since Kafka 3.0: sequence numbers keep a
 * retried batch in its place, KIP-98), then without idempotence (max.in.flight=5 and retries:
 * a retried record can land after later ones). "Only": across partitions a consumer that reads
 * the partitions one after the other sees records out of send order. (Kafka's other way to
 * keep order, max.in.flight.requests.per.connection=1, mutes a partition while a batch of it is
 * in flight; the model's producer limits requests per broker connection only, so a leader
 * change lets two requests of a partition be in flight: that setting is not judged here.)
 */
export const orderWithinPartition: Experiment = (ctx) => {
  const def = ctx.search({ check: readableSendOrder, preset: 'default', mode: 'hold' });
  const plain = ctx.search({ check: readableSendOrder, preset: 'no-idempotence', mode: 'find' });
  const evidence = [describeSearch(def, 'the idempotent producer'), describeSearch(plain, 'without idempotence, a retried record lands after a later one')];
  const across = acks(ctx, 3).sort((a, b) => a.p - b.p || a.offset - b.offset);
  const inversions = across.filter((a, i) => i > 0 && a.value < across[i - 1]!.value).length;
  evidence.push(`3 partitions, records read partition by partition: ${inversions} place(s) where a record sent earlier comes after one sent later`);
  if (def.found || inversions === 0) {
    const cx = exhibit(def.found ? def : plain, 'a record is read after records sent later');
    return { verdict: 'refuted', conditions: [], evidence, ...(cx ? { counterexample: cx } : {}) };
  }
  if (!plain.found) return { verdict: 'holds', conditions: [], evidence };
  const cx = exhibit(plain, 'without idempotence, with max.in.flight.requests.per.connection=5 and retries, a retried record is read after records sent later');
  return {
    verdict: 'holds-if',
    conditions: ['the producer is idempotent (enable.idempotence, the default since Kafka 3.0) when it retries'],
    evidence,
    ...(cx ? { counterexample: cx } : {}),
  };
};

/**
 * commit-log-order: a record sent after another was acknowledged gets a later offset in the
 * same partition (the replication property partition-order), within the fault budget.
 */
export const commitLogOrder: Experiment = (ctx) =>
  safetyVerdict(ctx, { check: 'partition-order', preset: 'default' }, [
    { condition: 'acks=all', without: { check: 'partition-order', preset: 'acks1', faults: ['crash'] } },
    { condition: 'no unclean leader election', without: { check: 'partition-order', preset: 'unclean', faults: ['crash'], budget: 2 } },
  ]);

/**
 * offsets-per-partition: with 3 partitions and no faults, each partition's acknowledged
 * offsets start at 0 and are dense, and the same offset numbers occur in every partition.
 */
export const offsetsPerPartition: Experiment = (ctx) => {
  const all = acks(ctx, 3);
  const evidence: string[] = [];
  let ok = true;
  for (let p = 0; p < 3; p++) {
    const offs = all.filter((a) => a.p === p).map((a) => a.offset).sort((a, b) => a - b);
    const dense = offs.every((o, i) => o === i);
    ok &&= dense && offs.length > 0;
    evidence.push(`partition ${p}: ${offs.length} records at offsets ${offs.length > 0 ? `${offs[0]}..${offs[offs.length - 1]}` : '(none)'}${dense ? ', dense from 0' : ', NOT dense from 0'}`);
  }
  return { verdict: ok ? 'holds' : 'refuted', conditions: [], evidence };
};

/** offset-never-reused: the claim check offset-unique, on the default and the unsafe presets. */
export const offsetNeverReused: Experiment = (ctx) =>
  safetyVerdict(ctx, { check: offsetUnique, preset: 'default' }, [
    { condition: 'acks=all', without: { check: offsetUnique, preset: 'acks1', faults: ['crash'] } },
    { condition: 'no unclean leader election', without: { check: offsetUnique, preset: 'unclean', faults: ['crash'], budget: 2 } },
  ]);
