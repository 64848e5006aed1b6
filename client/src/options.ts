import type { ErrorContext, ObserverClientOptions } from './api';
import { type BackoffSettings, backoffSettings } from './retry';
import type { FetchLike } from './send';

/** The most ops one request carries: the service's batch limit. */
export const MAX_BATCH_OPS = 500;

/** The largest request body sent, in bytes: below the service's 1 MiB limit. */
export const MAX_BATCH_BYTES = 1_000_000;

/** The options with every default filled in and every value checked. */
export interface Settings {
  endpoint: string;
  headers: Record<string, string>;
  flushAt: number;
  flushInterval: number;
  maxQueue: number;
  maxRetries: number;
  backoff: BackoffSettings;
  concurrency: number;
  timeout: number;
  flushOnExit: boolean;
  onError: (err: Error, context: ErrorContext) => void;
  fetch: FetchLike;
}

/** Checks the options once, when the client is created; throws a RangeError naming a bad one. */
export function settingsOf(o: ObserverClientOptions): Settings {
  let base: URL;
  try {
    base = new URL(o.url);
  } catch (err: unknown) {
    throw new RangeError(`url must be an absolute http(s) URL, got ${String(o.url)}`, {
      cause: err,
    });
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  return {
    endpoint: `${base.href.replace(/\/+$/, '')}/observer/events`,
    headers,
    flushAt: whole('flushAt', o.flushAt, 100, 1, MAX_BATCH_OPS),
    flushInterval: whole('flushInterval', o.flushInterval, 1000, 0, 2 ** 31 - 1),
    maxQueue: whole('maxQueue', o.maxQueue, 10_000, 1, Number.MAX_SAFE_INTEGER),
    maxRetries: whole('maxRetries', o.maxRetries, 8, 0, 1000),
    backoff: backoffSettings(o.backoff),
    concurrency: whole('concurrency', o.concurrency, 2, 1, 64),
    timeout: whole('timeout', o.timeout, 15_000, 1, 2 ** 31 - 1),
    flushOnExit: o.flushOnExit ?? true,
    onError: o.onError ?? warn,
    fetch: o.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
}

function whole(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
) {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}

// Without an onError, lost ops are still said out loud; retries are not.
function warn(err: Error, context: ErrorContext): void {
  if (context.kind === 'retry') return;
  console.warn(`observer client: ${context.kind}: ${err.message}`);
}
