/**
 * The APIs and versions `serve` answers, as its ApiVersions response advertises them. The ranges
 * cover what kafkajs 2.2 (non-flexible versions only) and librdkafka 2.x (flexible versions,
 * KIP-482) negotiate; a client uses the highest version both sides support. Versions that
 * address topics by id (Fetch 13+, Metadata 10+ lookups by id) are left out: the model's topics
 * have names only.
 */
export const SUPPORTED: Readonly<Record<string, readonly [number, number]>> = {
  Produce: [3, 9],
  Fetch: [4, 12],
  ListOffsets: [1, 6],
  Metadata: [0, 9],
  OffsetCommit: [2, 8],
  OffsetFetch: [1, 7],
  FindCoordinator: [0, 3],
  JoinGroup: [0, 7],
  Heartbeat: [0, 4],
  LeaveGroup: [0, 4],
  SyncGroup: [0, 5],
  ApiVersions: [0, 3],
  CreateTopics: [0, 5],
  DeleteTopics: [0, 4],
  DescribeCluster: [0, 0],
  InitProducerId: [0, 4],
  AddPartitionsToTxn: [0, 3],
  // kafkajs 2.2 sends v0-1; librdkafka 2.x up to v3 (flexible) of both. AddOffsetsToTxn v4 and
  // TxnOffsetCommit v4 are KIP-890's transaction version 2, which serve does not answer (EndTxn <= v4).
  AddOffsetsToTxn: [0, 3],
  TxnOffsetCommit: [0, 3],
  EndTxn: [0, 4],
};

import { apiNames } from './codec.js';

/** The ApiKeys of an ApiVersions response. */
export function apiKeys(): { ApiKey: number; MinVersion: number; MaxVersion: number }[] {
  const keyOf = new Map([...apiNames].map(([k, n]) => [n, k]));
  return Object.entries(SUPPORTED).map(([api, [min, max]]) => ({ ApiKey: keyOf.get(api)!, MinVersion: min, MaxVersion: max }));
}

export const supports = (api: string | undefined, version: number): boolean => {
  const r = api === undefined ? undefined : SUPPORTED[api];
  return r !== undefined && version >= r[0] && version <= r[1];
};
