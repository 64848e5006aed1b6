import type { RingEntry } from '../../domain/entry';
import type { ObservedOp } from '../../domain/op';
import { failureGroupKey, groupFailure } from '../clustering/failure-group';
import { TemplateMiner } from '../clustering/miner';
import { DEFAULT_MINER_OPTIONS, type MinerOptions } from '../clustering/options';
import type { FailureCluster, OpRef } from '../clustering/report';
import type { ReviewTarget } from './review';

/** The failure cluster an op belongs to, among the clusters over the ring, if any. */
export type ClusterOf = (target: ReviewTarget) => FailureCluster | undefined;

/** The clusters over the ring's entries at `now` (the shape `GET /observer/failures` answers). */
export type ClusterFailures = (entries: readonly RingEntry[], now: number) => FailureCluster[];

/** The message a failed op is clustered by. */
const messageOf = (op: ObservedOp): string => op.error ?? '';

const at = (ref: OpRef): string => `${ref.key}\u0000${ref.line}`;

/**
 * Matches ops to `clusters`, computed over the same entries: the ring's
 * failures are mined again in log order with the same miner options, and
 * each cluster is linked to the miner group its sample ops fall in (by
 * where they were stored), whatever its id is made of. A stored op is found
 * by its position; any other op by `match` on its error message. A group no
 * sample links is found by its endpoint and template. Successes have none.
 */
export function clusterMatcher(
  entries: readonly RingEntry[],
  clusters: readonly FailureCluster[],
  options: Partial<MinerOptions> = DEFAULT_MINER_OPTIONS,
): ClusterOf {
  const miner = new TemplateMiner(options);
  const mined = new Map<string, { endpoint: string; clusterId: string }>();
  for (const e of entries) {
    if (e.op.success) continue;
    const { endpoint, clusterId } = groupFailure(miner, e.op.endpoint, messageOf(e.op));
    mined.set(at(e), { endpoint, clusterId });
  }
  const groupKey = (endpoint: string, clusterId: string) =>
    failureGroupKey(endpoint, miner.resolve(clusterId) ?? clusterId);
  const bySamples = new Map<string, FailureCluster>();
  for (const c of clusters) {
    for (const s of c.samples) {
      const g = mined.get(at(s));
      const key = g && groupKey(g.endpoint, g.clusterId);
      if (key !== undefined && !bySamples.has(key)) bySamples.set(key, c);
    }
  }
  const byTemplate = new Map(clusters.map((c) => [failureGroupKey(c.endpoint, c.template), c]));
  const templates = new Map(miner.clusters().map((c) => [c.id, c.template]));
  return ({ op, key, line }) => {
    if (op.success) return undefined;
    const stored =
      key !== undefined && line !== undefined ? mined.get(at({ key, line })) : undefined;
    const clusterId = stored?.clusterId ?? miner.match(messageOf(op))?.clusterId;
    if (clusterId === undefined) return undefined;
    const current = miner.resolve(clusterId) ?? clusterId;
    return (
      bySamples.get(failureGroupKey(op.endpoint, current)) ??
      byTemplate.get(failureGroupKey(op.endpoint, templates.get(current) ?? ''))
    );
  };
}
