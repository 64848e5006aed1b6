/** How long to wait before retry number `attempt` (1 = the first retry). */
export interface Backoff {
  /** Milliseconds: the ceiling of the first retry's wait; it doubles each retry. Default 200. */
  base?: number;
  /** Milliseconds: no wait from the doubling exceeds this. Default 30 000. */
  max?: number;
  /**
   * 1 (default): full jitter, a wait drawn uniformly from [0, ceiling];
   * 0: exactly the ceiling; in between, from [(1 - jitter) × ceiling, ceiling].
   */
  jitter?: number;
  /** Milliseconds: the longest `Retry-After` honoured; a longer one waits this long. Default 60 000. */
  retryAfterMax?: number;
}

/** Backoff with every default filled in. */
export type BackoffSettings = Required<Backoff>;

/** The backoff a client uses when it is given none, or only part of one. */
export function backoffSettings(b: Backoff = {}): BackoffSettings {
  return {
    base: nonNegative(b.base, 200),
    max: nonNegative(b.max, 30_000),
    jitter: Math.min(1, nonNegative(b.jitter, 1)),
    retryAfterMax: nonNegative(b.retryAfterMax, 60_000),
  };
}

function nonNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

/**
 * Milliseconds to wait before retry `attempt` (1-based): what the service
 * asked for with `Retry-After` when it did (up to `retryAfterMax`), else
 * exponential backoff with jitter.
 */
export function retryDelay(
  attempt: number,
  b: BackoffSettings,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, b.retryAfterMax);
  const ceiling = Math.min(b.max, b.base * 2 ** Math.max(0, attempt - 1));
  return ceiling * (1 - b.jitter * random());
}

/**
 * A `Retry-After` header in milliseconds: delay-seconds (`"2"`, `"1.5"`) or
 * an HTTP date (a date in the past means now); undefined when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  // An HTTP date names its month; anything else (such as "-1") is unreadable.
  const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
