/** Reading Jepsen Kafka-workload histories: EDN (history.edn) and JSON Lines. See spec/history.md. */
export * from './types.js';
export { HistoryFormatError, normalizeOp } from './normalize.js';
export { type HistoryFormat, HISTORY_FORMATS, type ParsedOp, formatFromPath, parseHistory, readHistory, readHistoryBatches } from './parse.js';
