/** Where a sample op was stored: its segment key and line. */
export interface OpRef {
  key: string;
  line: number;
}

/**
 * One failure cluster over the ring (analyzeErrors): failed ops grouped by
 * endpoint and the template of their error message, with who failed and
 * when. Answered by `GET /observer/failures`, recorded by each snapshot,
 * escalated when it grows, and named by a review.
 */
export interface FailureCluster {
  /**
   * Stable id: the endpoint and the final template, hashed (see
   * `failureClusterId`); the same for the same kind of failure in every
   * container and as the ring slides.
   */
  id: string;
  endpoint: string;
  /** The error template, variable parts as `<*>`; `(no error)` for ops without one. */
  template: string;
  count: number;
  /** count ÷ all failures in the ring, 0–1, to 4 decimals. */
  share: number;
  /** The cluster's endpoint (clusters are per endpoint, so one). */
  endpoints: string[];
  /** Distinct sources and staffers, most failures first (ties by name), at most 20 each. */
  sources: string[];
  staffers: string[];
  /** Receive times (ISO 8601, UTC) of the oldest and newest op in the cluster. */
  first_seen: string;
  last_seen: string;
  /** Ops received in the last hour and in the hour before it. */
  trend: { last_hour: number; hour_before: number };
  /** Up to 3 of the newest ops, newest first, by where they were stored. */
  samples: OpRef[];
}
