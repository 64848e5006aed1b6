import { z } from 'zod';
import { limitParam } from '../http/query';
import type { RingEntry } from '../ring/ring';
import { clusterFailures } from './clusters';
import type { FailureCluster } from './report';

/** Clusters one answer holds by default, and at most. */
export const DEFAULT_CLUSTERS_LIMIT = 50;
export const MAX_CLUSTERS_LIMIT = 500;

/** The query parameters of `GET /observer/failures`; an unknown parameter is refused. */
export const FailuresQuerySchema = z
  .strictObject({ limit: limitParam(MAX_CLUSTERS_LIMIT).optional() })
  .transform(({ limit }) => ({ limit: limit ?? DEFAULT_CLUSTERS_LIMIT }));

/** The answer of `GET /observer/failures`. */
export interface FailuresAnswer {
  /** The clock the trend hours end at (ISO 8601, UTC). */
  generated_at: string;
  /** Failed ops in the ring: the sum of every cluster's count. */
  failures_total: number;
  /** Clusters in the ring; `clusters` holds the first `limit` of them. */
  clusters_total: number;
  clusters: FailureCluster[];
}

/** The failure clusters of the ring's entries (oldest first) at `now`, the first `limit`. */
export function failuresAnswer(
  entries: Iterable<RingEntry>,
  now: number,
  limit: number,
): FailuresAnswer {
  const clusters = clusterFailures(entries, now);
  return {
    generated_at: new Date(now).toISOString(),
    failures_total: clusters.reduce((sum, c) => sum + c.count, 0),
    clusters_total: clusters.length,
    clusters: clusters.slice(0, limit),
  };
}
