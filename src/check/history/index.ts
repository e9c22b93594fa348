/**
 * The Jepsen-compatible Kafka history checker: Jepsen's `jepsen.tests.kafka` anomalies over
 * a history of send / poll / txn / assign / subscribe operations. See spec/history.md.
 */
export { HistoryChecker, checkHistory, checkHistoryAsync } from './checker.js';
export { renderReport } from './report.js';
export { generateHistory, type GenerateOptions } from './generate.js';
export * from './types.js';
