// The service's fixed limits and defaults, apart from the configuration that
// reads them: what the code relies on, named once.

/** The default ring capacity, as in the Go original. */
export const DEFAULT_RING_CAP = 2000;

/** Time limits of one write: the write (with the SDK's retries), then settling its key. */
export interface WriteBudget {
  writeMs: number;
  settleMs: number;
}

/**
 * Within the event function's 10 s: the write and its retries get 6 s, and
 * settling a key whose write failed without an answer gets 2.5 s more.
 */
export const WRITE_BUDGET: WriteBudget = { writeMs: 6_000, settleMs: 2_500 };

/**
 * The shortest skew window accepted: a write may finish this long after the
 * time its key is stamped with, and a refresh must still look back that far.
 */
export const MIN_SKEW_MS = WRITE_BUDGET.writeMs + WRITE_BUDGET.settleMs;

/** The bounds (hours) of a compaction run's settings, from the environment or a hand-run event. */
export const COMPACT_LIMITS = {
  afterHours: { min: 0, max: 24 * 30 },
  lookbackHours: { min: 1, max: 24 * 400 },
} as const;

/**
 * How long after an hour ends it is compacted at the earliest, whatever
 * the setting: every write stamped in it has landed by then (a write lands
 * within WRITE_BUDGET of its stamp).
 */
export const COMPACT_SETTLE_MS = 60_000;

/** The shortest API token accepted, from the environment or from SSM. */
export const MIN_TOKEN_LENGTH = 16;

/** After SSM failed to give the credentials again, how long the ones held are used before the next try. */
export const CREDENTIALS_RETRY_MS = 10_000;

/** How long a review waits for its fallback model before answering without it. */
export const REVIEW_MODEL_TIMEOUT_MS = 5_000;

/** The escalation thresholds' defaults and bounds (see docs/escalation.md). */
export const ESCALATION_LIMITS = {
  minCount: { default: 10, min: 2, max: 100_000 },
  windowMinutes: { default: 15, min: 1, max: 24 * 60 },
  growth: { default: 3, min: 1.5, max: 1_000 },
  cooldownMinutes: { default: 60, min: 5, max: 7 * 24 * 60 },
} as const;

/** The shortest escalation signing secret accepted. */
export const MIN_SECRET_LENGTH = 16;

/** s3rver's fixed account: the credentials used with S3_ENDPOINT when none are set. */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
