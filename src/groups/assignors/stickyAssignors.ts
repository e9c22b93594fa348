/**
 * The two sticky assignors as Kafka names them: `sticky` (StickyAssignor, eager protocol)
 * and `cooperative-sticky` (CooperativeStickyAssignor, KIP-429).
 */

import { normalize, toAssignment, type GroupInput } from './common.js';
import { tpKey } from './javaOrder.js';
import { stickyAssign } from './sticky.js';
import type { Assignment, MemberSubscription, PartitionsPerTopic, TopicPartition } from './types.js';

/**
 * Kafka's `StickyAssignor`: the AbstractStickyAssignor result as is. Under the eager
 * protocol every member revokes everything before joining, so moving a partition directly
 * from one member to another is safe.
 */
export function sticky(members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic): Assignment {
  const input = normalize(members, partitionsPerTopic);
  return toAssignment(input, stickyAssign(input).assignment);
}

/**
 * Kafka's `CooperativeStickyAssignor`: the same assignment, minus every partition that is
 * changing owner. Its old owner stops owning it in this rebalance (it is not in the old
 * owner's new assignment, so the member revokes it), and nobody gets it until the follow-up
 * rebalance the revoking member triggers, so a partition is never owned by two members.
 */
export function cooperativeSticky(members: MemberSubscription[], partitionsPerTopic: PartitionsPerTopic): Assignment {
  const input = normalize(members, partitionsPerTopic);
  const outcome = stickyAssign(input);
  const transferring = outcome.partitionsTransferringOwnership ?? computeTransferring(input, outcome.assignment);
  for (const { tp, consumer } of transferring.values()) {
    const list = outcome.assignment.get(consumer);
    const i = list?.findIndex((x) => x.topic === tp.topic && x.partition === tp.partition) ?? -1;
    if (list !== undefined && i >= 0) list.splice(i, 1);
  }
  return toAssignment(input, outcome.assignment);
}

/**
 * `computePartitionsTransferringOwnership`: partitions newly assigned to some member that
 * some member owned but no longer has. Ownership here is the raw `ownedPartitions` the
 * members reported.
 */
function computeTransferring(
  input: GroupInput,
  assignment: Map<string, TopicPartition[]>,
): Map<string, { tp: TopicPartition; consumer: string }> {
  const added = new Map<string, { tp: TopicPartition; consumer: string }>();
  const revoked = new Set<string>();
  for (const [consumer, assigned] of assignment) {
    const owned = input.byId.get(consumer)?.ownedPartitions ?? [];
    const ownedKeys = new Set(owned.map(tpKey));
    const assignedKeys = new Set(assigned.map(tpKey));
    for (const tp of assigned) if (!ownedKeys.has(tpKey(tp))) added.set(tpKey(tp), { tp, consumer });
    for (const tp of owned) if (!assignedKeys.has(tpKey(tp))) revoked.add(tpKey(tp));
  }
  for (const key of [...added.keys()]) if (!revoked.has(key)) added.delete(key);
  return added;
}
