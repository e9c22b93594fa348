/**
 * The one place the conformance runner reaches the history checker (src/check/history/):
 * a different checker is a change to this file only.
 */
import { checkHistoryAsync, type CheckResult } from '../../check/history/index.js';
import type { Op } from './history.js';

export type { CheckResult };

export type CheckHistory = (
  ops: AsyncIterable<Op> | Iterable<Op>,
  options: { subVia: 'assign' | 'subscribe'; wwDeps?: boolean },
) => Promise<CheckResult>;

export const checkHistory: CheckHistory = (ops, { subVia, wwDeps }) =>
  checkHistoryAsync(ops, { subVia: [subVia], wwDeps: wwDeps ?? false });
