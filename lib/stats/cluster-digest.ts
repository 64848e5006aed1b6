import { z } from 'zod';
import type { FailureCluster } from '../failures/clustering/report';

/** Clusters a stats snapshot records: the largest. */
export const SNAPSHOT_CLUSTERS = 20;

/** Characters of a template a snapshot keeps; a longer one ends in `…`. */
export const SNAPSHOT_TEMPLATE_CHARS = 200;

const count = z.number().int().nonnegative();

/** A failure cluster as a stats snapshot records it: enough to follow it minute by minute. */
export const ClusterDigestSchema = z.object({
  id: z.string(),
  endpoint: z.string(),
  template: z.string(),
  count,
  trend: z.object({ last_hour: count, hour_before: count }),
});

export type ClusterDigest = z.infer<typeof ClusterDigestSchema>;

/** The first SNAPSHOT_CLUSTERS clusters (ranked as given), each with its template shortened. */
export function clusterDigests(clusters: readonly FailureCluster[]): ClusterDigest[] {
  return clusters.slice(0, SNAPSHOT_CLUSTERS).map((c) => ({
    id: c.id,
    endpoint: c.endpoint,
    template:
      c.template.length > SNAPSHOT_TEMPLATE_CHARS
        ? `${c.template.slice(0, SNAPSHOT_TEMPLATE_CHARS - 1)}…`
        : c.template,
    count: c.count,
    trend: { ...c.trend },
  }));
}
