/**
 * The partition log: records, segments, the leader epoch cache. Pure data structures, no I/O.
 * Normative description: spec/log.md.
 */
export * from './errors.js';
export * from './leader-epoch-cache.js';
export * from './partition-log.js';
export * from './producer-state.js';
export * from './record.js';
export { logFileName, type SegmentInfo } from './segment.js';
