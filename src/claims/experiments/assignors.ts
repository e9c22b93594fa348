import { assignorsByKafkaName, type Assignment, type MemberSubscription } from '../../groups/assignors/index.js';
import type { Experiment, Outcome } from '../types.js';

/**
 * Assignment-level experiments: Kafka's assignors (src/groups/assignors) on one topic, every
 * member subscribed, for members and partitions from 1 to 8.
 */
const names = Object.keys(assignorsByKafkaName) as (keyof typeof assignorsByKafkaName)[];

function assign(name: keyof typeof assignorsByKafkaName, members: number, partitions: number): Assignment {
  const subs: MemberSubscription[] = Array.from({ length: members }, (_, i) => ({ memberId: `c${i}`, topics: ['orders'] }));
  return assignorsByKafkaName[name](subs, { orders: partitions });
}

const active = (a: Assignment) => Object.values(a).filter((ps) => ps.length > 0).length;

/** Over every assignor and size, the cases where `bad` says something; holds if none. */
function overAll(what: string, bad: (a: Assignment, members: number, partitions: number) => string | undefined, sizes = 8): Outcome {
  let cases = 0;
  const failures: string[] = [];
  for (const name of names) {
    for (let m = 1; m <= sizes; m++) {
      for (let p = 1; p <= sizes; p++) {
        cases++;
        const msg = bad(assign(name, m, p), m, p);
        if (msg) failures.push(`${name}, ${m} members, ${p} partitions: ${msg}`);
      }
    }
  }
  const evidence = [`${what}: ${cases} assignments (${names.join(', ')}; 1..${sizes} members x 1..${sizes} partitions), ${failures.length} counter-cases`, ...failures.slice(0, 3)];
  return { verdict: failures.length === 0 ? 'holds' : 'refuted', conditions: [], evidence };
}

export const onePartitionOneConsumer: Experiment = () =>
  overAll('each partition assigned to exactly one member', (a, _m, p) => {
    const owners = new Map<number, number>();
    for (const ps of Object.values(a)) for (const tp of ps) owners.set(tp.partition, (owners.get(tp.partition) ?? 0) + 1);
    for (let i = 0; i < p; i++) if (owners.get(i) !== 1) return `partition ${i} has ${owners.get(i) ?? 0} owners`;
    return undefined;
  });

export const idleConsumers: Experiment = () =>
  overAll('members beyond the partition count get nothing', (a, m, p) => {
    const idle = m - active(a);
    return m > p && idle !== m - p ? `${idle} idle, expected ${m - p}` : m <= p && idle !== 0 ? `${idle} idle with enough partitions` : undefined;
  });

/** Throughput is bounded by the members that own a partition: at most the partition count. */
export const noThroughputBeyondPartitions: Experiment = () =>
  overAll('members owning a partition = min(members, partitions)', (a, m, p) => (active(a) !== Math.min(m, p) ? `${active(a)} active` : undefined));

export const singleConsumerTakesAll: Experiment = () =>
  overAll('one member owns every partition', (a, m, p) => (m === 1 && Object.values(a)[0]!.length !== p ? `it owns ${Object.values(a)[0]!.length}` : undefined));

export const oneEach: Experiment = () =>
  overAll('as many members as partitions: one partition each', (a, m, p) => (m === p && Object.values(a).some((ps) => ps.length !== 1) ? `sizes ${Object.values(a).map((ps) => ps.length).join(',')}` : undefined));

export const morePartitionsMoreConsumers: Experiment = () =>
  overAll('with more partitions, no fewer members can work', (_a, m, p) => {
    for (const name of names) if (p > 1 && active(assign(name, m, p)) < active(assign(name, m, p - 1))) return `${name}: fewer active with ${p} than ${p - 1}`;
    return undefined;
  }, 6);
