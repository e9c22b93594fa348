/**
 * KIP-848's server-side assignors (group.consumer.assignors, default `uniform`, `range`), for
 * one subscribed topic: pure functions from the members and the group's previous target
 * assignment to the next target assignment. The coordinator runs them (TargetAssignmentBuilder),
 * not the group leader.
 *
 * - `uniform` (org.apache.kafka.coordinator.group.assignor.UniformAssignor, homogeneous
 *   subscriptions: UniformHomogeneousAssignmentBuilder, before 4.0 OptimizedUniformAssignmentBuilder):
 *   balanced and sticky. Every member may hold floor(n/m) partitions, and the first n % m
 *   members to claim it one more; each member keeps what it had in the previous target up to its
 *   quota, and the partitions left over go to the members still below theirs.
 * - `range` (org.apache.kafka.coordinator.group.assignor.RangeAssignor): the members sorted by
 *   member id each take a contiguous range, the first n % m one more. Kafka's server-side range
 *   assignor is also sticky within those quotas (it keeps a member's partitions when they fall in
 *   its range share); the model's is the plain ranges of the client-side assignor (spec/consumer-groups.md).
 */
export type ServerAssignor = 'uniform' | 'range';

/** The members (their ids) and their previous target partitions; returns each member's new target. */
export function targetAssignment(
  assignor: ServerAssignor,
  members: readonly string[],
  previous: ReadonlyMap<string, readonly number[]>,
  partitions: number,
): Map<string, number[]> {
  const ids = [...members].sort();
  const out = new Map<string, number[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const minQuota = Math.floor(partitions / ids.length);
  const extra = partitions % ids.length;
  if (assignor === 'range') {
    ids.forEach((id, i) => {
      const start = minQuota * i + Math.min(i, extra);
      const length = minQuota + (i < extra ? 1 : 0);
      out.set(id, Array.from({ length }, (_, k) => start + k));
    });
    return out;
  }
  // uniform: keep what each member had, up to its quota (one more while extra slots remain).
  let extraLeft = extra;
  const taken = new Set<number>();
  for (const id of ids) {
    const had = [...new Set(previous.get(id) ?? [])].filter((p) => p < partitions && !taken.has(p)).sort((a, b) => a - b);
    let quota = minQuota;
    if (had.length > minQuota && extraLeft > 0) {
      quota++;
      extraLeft--;
    }
    const keep = had.slice(0, quota);
    for (const p of keep) taken.add(p);
    out.set(id, keep);
  }
  // The rest go, in partition order, to the members below their quota (members in id order).
  const unassigned = Array.from({ length: partitions }, (_, p) => p).filter((p) => !taken.has(p));
  for (const id of ids) {
    const mine = out.get(id)!;
    while (mine.length < minQuota && unassigned.length > 0) mine.push(unassigned.shift()!);
  }
  for (const id of ids) {
    if (unassigned.length === 0 || extraLeft === 0) break;
    const mine = out.get(id)!;
    if (mine.length === minQuota) {
      mine.push(unassigned.shift()!);
      extraLeft--;
    }
  }
  for (const id of ids) out.get(id)!.sort((a, b) => a - b);
  return out;
}
