import { PartitionLog, type LogConfig } from '../../log/index.js';
import { recordsNeverRemoved } from '../checks.js';
import type { Experiment, Outcome } from '../types.js';
import { describeSearch, exhibit, safetyVerdict } from './common.js';

/**
 * Log-level experiments on the partition log of src/log (spec/log.md): one replica's log,
 * with records every 100 ms of (virtual) time, the high watermark at the log end.
 */
function filledLog(records: number, config: Partial<LogConfig> = {}, hw = records): PartitionLog<number> {
  const log = new PartitionLog<number>({ retentionMs: null, ...config });
  for (let i = 0; i < records; i++) log.appendAsLeader([{ key: null, value: i, timestamp: i * 100 }], 0);
  log.updateHighWatermark(hw);
  return log;
}

/** Read everything a consumer may read (up to the high watermark), `batch` records at a time. */
function consume(log: PartitionLog<number>, from = log.logStartOffset, batch = 7): number[] {
  const out: number[] = [];
  let next = from;
  for (;;) {
    const got = log.read(next, batch, 'HIGH_WATERMARK');
    if (got.length === 0) return out;
    for (const r of got) out.push(r.value);
    next = got[got.length - 1]!.offset + 1;
  }
}

/** consumption-deletes-nothing: a first reader reads all; a second reader then reads it all again. */
export const consumptionDeletesNothing: Experiment = () => {
  const log = filledLog(50);
  const first = consume(log);
  const second = consume(log);
  const same = first.length === 50 && second.length === first.length && second.every((v, i) => v === first[i]);
  const evidence = [
    `first reader read ${first.length} records, second reader then read ${second.length}, ${same ? 'the same ones' : 'NOT the same'}`,
    `after both: log start offset ${log.logStartOffset}, log end offset ${log.logEndOffset}`,
  ];
  return { verdict: same && log.logStartOffset === 0 && log.logEndOffset === 50 ? 'holds' : 'refuted', conditions: [], evidence };
};

function retentionOutcome(what: string, log: PartitionLog<number>, now: number, stale: (offset: number) => boolean, keepHw: () => PartitionLog<number>): Outcome {
  const before = log.logEndOffset;
  const res = log.applyRetention(now);
  const left = log.read(log.logStartOffset, Infinity, 'LOG_END');
  const staleLeft = left.filter((r) => stale(r.offset)).length;
  const staleAll = Array.from({ length: before }, (_, o) => o).filter(stale).length;
  const belowHw = keepHw();
  const hwRes = belowHw.applyRetention(now);
  const evidence = [
    `${what}: ${res.deletedSegments.length} segment(s) deleted (${res.reasons.join(', ') || 'none'}), log start offset now ${res.logStartOffset}`,
    `${staleAll - staleLeft} of ${staleAll} records past the limit deleted; ${staleLeft} still readable (they share a segment with newer records, or sit in the active segment)`,
    `with the high watermark at 5, retention deleted ${hwRes.deletedSegments.length} segment(s): nothing at or above the high watermark goes`,
  ];
  if (res.deletedSegments.length === 0) return { verdict: 'refuted', conditions: [], evidence };
  const conditions = [
    'whole segments only: a segment goes when all of it is past the limit (and it is closed: the active segment stays)',
    ...(hwRes.deletedSegments.length === 0 ? ['only below the high watermark (records not yet committed are kept)'] : []),
  ];
  return staleLeft === 0 && hwRes.deletedSegments.length > 0 ? { verdict: 'holds', conditions: [], evidence } : { verdict: 'holds-if', conditions, evidence };
}

/**
 * retention-time: 50 records, one every 100 ms, segments of 10, retention.ms = 1000, retention
 * applied at t = 6000: is every record older than retention.ms gone, and only those?
 */
export const retentionByTime: Experiment = () =>
  retentionOutcome(
    'retention.ms=1000 at t=6000',
    filledLog(50, { segmentBytes: 10, retentionMs: 1000 }),
    6000,
    (o) => 6000 - o * 100 > 1000,
    () => filledLog(50, { segmentBytes: 10, retentionMs: 1000 }, 5),
  );

/** retention-size: 50 records of 1 byte, segments of 10, retention.bytes = 25. */
export const retentionBySize: Experiment = () =>
  retentionOutcome(
    'retention.bytes=25 with 50 bytes',
    filledLog(50, { segmentBytes: 10, retentionBytes: 25 }),
    0,
    (o) => o < 25,
    () => filledLog(50, { segmentBytes: 10, retentionBytes: 25 }, 5),
  );

/**
 * replay / new consumers read old data: read from the start, then again from offset 0; apply
 * time retention, then a new reader starts from the earliest offset and from 0.
 */
export const replayFromStart: Experiment = () => {
  const log = filledLog(50, { segmentBytes: 10, retentionMs: 1000 });
  const first = consume(log, 0);
  const again = consume(log, 0);
  const evidence = [`read from offset 0 twice: ${first.length} and ${again.length} records, ${first.join() === again.join() ? 'the same' : 'different'}`];
  log.applyRetention(6000);
  const earliest = consume(log);
  let fromZero: string;
  try {
    fromZero = `${consume(log, 0).length} records`;
  } catch (e) {
    fromZero = `fails: ${(e as Error).name}`;
  }
  evidence.push(`after retention: a new reader from the earliest offset (${log.logStartOffset}) reads ${earliest.length} records; reading from offset 0 ${fromZero}`);
  if (first.length !== 50 || first.join() !== again.join() || earliest.length === 0) return { verdict: 'refuted', conditions: [], evidence };
  return earliest.length === 50 ? { verdict: 'holds', conditions: [], evidence } : { verdict: 'holds-if', conditions: ['the records are still retained (offset >= log start offset): retention removes the oldest'], evidence };
};

/**
 * Records are never deleted (other than by retention): appends go at the end and leave earlier
 * records as they were (log level); in the cluster, the claim check records-never-removed
 * (any replica), and strong-isr for committed records.
 */
export const neverRemoved: Experiment = (ctx) => {
  const log = filledLog(20);
  const before = consume(log, 0).join();
  const { firstOffset } = log.appendAsLeader([{ key: null, value: 99, timestamp: 9999 }], 0);
  log.updateHighWatermark(21);
  const after = consume(log, 0);
  const appendOnly = firstOffset === 20 && after.slice(0, 20).join() === before && after[20] === 99;
  const raw = ctx.search({ check: recordsNeverRemoved, preset: 'default', mode: 'find' });
  const committed = safetyVerdict(ctx, { check: 'strong-isr', preset: 'default' }, [
    { condition: 'no unclean leader election', without: { check: 'strong-isr', preset: 'unclean', faults: ['crash'], budget: 2 } },
  ]);
  const evidence = [`log: an append went to offset ${firstOffset} (the end) and left offsets 0..19 ${appendOnly ? 'unchanged' : 'CHANGED'}`, describeSearch(raw, 'a replica loses records'), ...committed.evidence];
  if (!appendOnly || committed.verdict === 'refuted') return { ...committed, evidence, verdict: 'refuted' };
  if (!raw.found && committed.verdict === 'holds') return { verdict: 'holds', conditions: [], evidence };
  const cx = exhibit(raw, 'a replica loses records that were never committed (truncation, or unflushed writes lost in a crash)');
  return {
    verdict: 'holds-if',
    conditions: ['only for committed records (below the high watermark, what consumers can read): a replica\'s uncommitted tail is truncated on a leader change or lost in a crash', ...committed.conditions],
    evidence,
    ...(cx ? { counterexample: cx } : {}),
  };
};
