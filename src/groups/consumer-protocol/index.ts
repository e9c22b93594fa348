export { targetAssignment, type ServerAssignor } from './assignors.js';
export { commitEpochValid, heartbeatEpochValid, reconcile, type MemberAssignment, type MemberState } from './reconcile.js';
