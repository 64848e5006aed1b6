import type { TemplateMiner } from './miner';

/** A failed op's group: its endpoint and the cluster of its error message. */
export interface FailureGroup {
  /** `endpoint` and `clusterId` joined; equal keys, same group. */
  key: string;
  endpoint: string;
  clusterId: string;
  template: string;
}

/**
 * Mines a failed op's error message and keys it by endpoint: the same error
 * template on two endpoints makes two groups. Cluster ids can fold into
 * others as templates generalise; resolve stored ids with `miner.resolve`
 * before comparing keys made at different times.
 */
export function groupFailure(miner: TemplateMiner, endpoint: string, error: string): FailureGroup {
  const { clusterId, template } = miner.add(error);
  return { key: failureGroupKey(endpoint, clusterId), endpoint, clusterId, template };
}

/** The group key of an endpoint and a cluster id. */
export function failureGroupKey(endpoint: string, clusterId: string): string {
  return `${endpoint}\u0000${clusterId}`;
}
