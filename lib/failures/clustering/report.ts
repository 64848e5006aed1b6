import { z } from 'zod';

/** Where a sample op was stored: its segment key and line. */
export const OpRefSchema = z.object({
  key: z.string().describe('the segment key the op was stored under'),
  line: z.number().int().nonnegative().describe('its line in that segment, from 0'),
});
export type OpRef = z.infer<typeof OpRefSchema>;

const count = z.number().int().nonnegative();

/**
 * One failure cluster over the ring (analyzeErrors): failed ops grouped by
 * endpoint and the template of their error message, with who failed and
 * when. Answered by `GET /observer/failures`, recorded by each snapshot,
 * escalated when it grows, and named by a review.
 */
export const FailureClusterSchema = z.object({
  id: z
    .string()
    .describe(
      'stable id: the endpoint and the final template, hashed; the same for the same kind ' +
        'of failure in every container and as the ring slides',
    ),
  endpoint: z.string(),
  template: z
    .string()
    .describe('the error template, variable parts as <*>; "(no error)" for ops without one'),
  count,
  share: z.number().min(0).max(1).describe('count ÷ all failures in the ring, to 4 decimals'),
  endpoints: z.array(z.string()).describe("the cluster's endpoint (clusters are per endpoint)"),
  sources: z.array(z.string()).describe('distinct sources, most failures first, at most 20'),
  staffers: z.array(z.string()).describe('distinct staffers, most failures first, at most 20'),
  first_seen: z.string().describe('receive time (ISO 8601, UTC) of the oldest op'),
  last_seen: z.string().describe('receive time of the newest op'),
  trend: z
    .object({ last_hour: count, hour_before: count })
    .describe('ops received in the last hour and in the hour before it'),
  samples: z.array(OpRefSchema).max(3).describe('up to 3 of the newest ops, newest first'),
});
export type FailureCluster = z.infer<typeof FailureClusterSchema>;
