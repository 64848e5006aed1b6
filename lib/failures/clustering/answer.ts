import { z } from 'zod';
import type { RingEntry } from '../../domain/entry';
import { limitParam } from '../../domain/query';
import { clusterFailures } from './clusters';
import { FailureClusterSchema } from './report';

/** Clusters one answer holds by default, and at most. */
export const DEFAULT_CLUSTERS_LIMIT = 50;
export const MAX_CLUSTERS_LIMIT = 500;

/** The query parameters of `GET /observer/failures`; an unknown parameter is refused. */
export const FailuresQuerySchema = z
  .strictObject({ limit: limitParam(MAX_CLUSTERS_LIMIT).optional() })
  .transform(({ limit }) => ({ limit: limit ?? DEFAULT_CLUSTERS_LIMIT }));

/** The answer of `GET /observer/failures`. */
export const FailuresAnswerSchema = z.object({
  generated_at: z.string().describe('the clock the trend hours end at (ISO 8601, UTC)'),
  failures_total: z.number().int().nonnegative().describe('failed ops in the ring'),
  clusters_total: z.number().int().nonnegative().describe('clusters in the ring'),
  clusters: z.array(FailureClusterSchema).describe('the first `limit` clusters, most ops first'),
});
export type FailuresAnswer = z.infer<typeof FailuresAnswerSchema>;

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
