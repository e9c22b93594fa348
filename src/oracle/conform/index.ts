export * from './history.js';
export * from './runner.js';
export * from './report.js';
export * from './mock-cluster.js';
export * from './faults.js';
export type { CheckHistory, CheckResult } from './check.js';
