/**
 * KIP-848's incremental reconciliation on the coordinator (org.apache.kafka.coordinator.group.
 * modern.consumer.CurrentAssignmentBuilder) and its epoch rules (GroupMetadataManager
 * throwIfConsumerGroupMemberEpochIsInvalid; ConsumerGroup.validateOffsetCommit), as pure
 * functions of one member's state.
 *
 * The safety rule: a partition is handed to a member only once no other member holds it, as
 * assigned or as pending revocation (Kafka's partition epochs: ConsumerGroup.currentPartitionEpoch).
 * A member that must give partitions up stays in its epoch (UNREVOKED_PARTITIONS) until a
 * heartbeat shows it no longer owns them; only then does it move to the target epoch, and only
 * then can another member be given them.
 */

/** ConsumerGroupMember's MemberState (org.apache.kafka.coordinator.group.modern.MemberState). */
export type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

export interface MemberAssignment {
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberState;
  /** The partitions the member may own now (ConsumerGroupMember.assignedPartitions). */
  readonly assigned: readonly number[];
  /** Partitions it must give up before it moves on (partitionsPendingRevocation). */
  readonly pendingRevocation: readonly number[];
}

const sameSet = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((p) => b.includes(p));
const subset = (a: readonly number[], b: readonly number[]) => a.every((p) => b.includes(p));

/**
 * CurrentAssignmentBuilder.build: the member's next state towards the target assignment of
 * `targetEpoch`. `owned` is what the member reported owning in this heartbeat (undefined: not
 * reported); `heldByOther(p)` says whether another member holds p (assigned or pending revocation).
 */
export function reconcile(
  m: MemberAssignment,
  targetEpoch: number,
  target: readonly number[],
  owned: readonly number[] | undefined,
  heldByOther: (p: number) => boolean,
): MemberAssignment {
  switch (m.state) {
    case 'STABLE':
      // A member in the target epoch has its assignment; otherwise it starts towards the target.
      return m.memberEpoch === targetEpoch ? m : next(m, targetEpoch, target, heldByOther);
    case 'UNREVOKED_PARTITIONS':
      // It moves on only once it acknowledged the revocation: it owns nothing it must give up.
      return owned !== undefined && subset(owned, m.assigned) ? next(m, targetEpoch, target, heldByOther) : m;
    case 'UNRELEASED_PARTITIONS':
      // Waiting for other members to release partitions (or for a newer target).
      return next(m, targetEpoch, target, heldByOther);
  }
}

/** CurrentAssignmentBuilder.computeNextAssignment. */
function next(m: MemberAssignment, targetEpoch: number, target: readonly number[], heldByOther: (p: number) => boolean): MemberAssignment {
  const revoke = m.assigned.filter((p) => !target.includes(p));
  if (revoke.length > 0) {
    // Revoke first, in the member's current epoch: nothing new is given until it acknowledges.
    return { ...m, state: 'UNREVOKED_PARTITIONS', assigned: m.assigned.filter((p) => target.includes(p)), pendingRevocation: revoke };
  }
  const assigned = target.filter((p) => m.assigned.includes(p) || !heldByOther(p));
  const unreleased = assigned.length < target.length;
  const epochChanged = m.memberEpoch !== targetEpoch;
  const state: MemberState = unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE';
  if (!epochChanged && state === m.state && sameSet(assigned, m.assigned) && m.pendingRevocation.length === 0) return m;
  return {
    memberEpoch: targetEpoch,
    previousMemberEpoch: epochChanged ? m.memberEpoch : m.previousMemberEpoch,
    state,
    assigned: [...assigned].sort((a, b) => a - b),
    pendingRevocation: [],
  };
}

/**
 * GroupMetadataManager.throwIfConsumerGroupMemberEpochIsInvalid: a heartbeat with an epoch ahead
 * of the coordinator's, or behind it other than the previous epoch with owned partitions that are
 * a subset of the current assignment (the response with the bumped epoch may have been lost), is
 * FENCED_MEMBER_EPOCH: the member must give up its partitions and rejoin.
 */
export function heartbeatEpochValid(m: MemberAssignment, received: number, owned: readonly number[] | undefined): boolean {
  if (received > m.memberEpoch) return false;
  if (received < m.memberEpoch) return received === m.previousMemberEpoch && owned !== undefined && subset(owned, m.assigned);
  return true;
}

/** ConsumerGroup.validateOffsetCommit / validateMemberEpoch: a commit must carry the member's current epoch (else STALE_MEMBER_EPOCH). */
export function commitEpochValid(m: MemberAssignment, received: number): boolean {
  return received === m.memberEpoch;
}
