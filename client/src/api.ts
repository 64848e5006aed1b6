import type { Op } from './ops';
import type { Backoff } from './retry';
import type { FetchLike } from './send';

/** What happened, to which ops, when the client calls `onError`. */
export interface ErrorContext {
  /**
   * - `invalid`: observe() refused the op; it was never queued.
   * - `rejected`: the service refused this op of a batch (207); not sent again.
   * - `refused`: the service refused the whole batch (a 4xx other than 429); not sent again.
   * - `retry`: a request failed in a way worth retrying; it is sent again after `delayMs`.
   * - `gave-up`: the batch failed its last retry; not sent again.
   * - `dropped`: ops left unsent: the queue was full (the oldest go), or the client was shut down.
   * - `exit`: the process is exiting with these ops unsent (queued, or in flight with no answer yet).
   */
  kind: 'invalid' | 'rejected' | 'refused' | 'retry' | 'gave-up' | 'dropped' | 'exit';
  /** The ids of the ops concerned (empty for an op refused before it had one). */
  ids: string[];
  /** The HTTP status, when there was an answer. */
  status?: number;
  /** For `retry`: which retry comes next (1 = the first); for `gave-up`: attempts made. */
  attempt?: number;
  /** For `retry`: milliseconds until it is sent again. */
  delayMs?: number;
}

/** How a client sends; only `url` is required. */
export interface ObserverClientOptions {
  /** The service's base URL, such as `http://localhost:3000`; ops go to `<url>/observer/events`. */
  url: string;
  /** The API token, sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Send as soon as this many ops are queued (1–500). Default 100. */
  flushAt?: number;
  /** Milliseconds: send what is queued at most this long after it was observed. Default 1000. */
  flushInterval?: number;
  /** Ops kept waiting at most; when full, the oldest is dropped and counted. Default 10 000. */
  maxQueue?: number;
  /** Retries of one batch after its first attempt, before it is given up. Default 8. */
  maxRetries?: number;
  /** Exponential backoff between retries, with jitter. */
  backoff?: Backoff;
  /** Requests in flight at once. Default 2. */
  concurrency?: number;
  /** Milliseconds one request may take before it counts as failed (and is retried). Default 15 000. */
  timeout?: number;
  /** Flush when Node's event loop runs dry (`beforeExit`); report ops still unsent at `exit`. Default true. */
  flushOnExit?: boolean;
  /** Told about every op that is refused, dropped or given up, and about each retry. */
  onError?: (err: Error, context: ErrorContext) => void;
  /** The fetch to use; the global fetch by default. */
  fetch?: FetchLike;
}

/** What the client has done so far, in ops (and requests). */
export interface ClientStats {
  /** Valid ops passed to observe(). Equals sent + rejected + failed + dropped + queued + inFlight. */
  observed: number;
  /** Ops observe() refused (reported as `invalid`); not part of `observed`. */
  invalid: number;
  /** Ops waiting to be sent. */
  queued: number;
  /** Ops in a request not yet answered, or waiting to be retried. */
  inFlight: number;
  /** Ops the service acknowledged (201 or 207), duplicates included. */
  sent: number;
  /** Of `sent`, ops the service had already recorded (a retry whose first answer was lost). */
  duplicates: number;
  /** Ops the service refused one by one in a 207. */
  rejected: number;
  /** Ops given up: their batch was refused with a 4xx, or failed its last retry. */
  failed: number;
  /** Ops dropped unsent: pushed out of a full queue, observed after shutdown, or queued at exit. */
  dropped: number;
  /** HTTP requests made, retries included. */
  requests: number;
  /** Requests that were retries. */
  retries: number;
}

/** A client that batches ops to an observer service. */
export interface ObserverClient {
  /** Queues an op and returns its id at once (undefined when the op is refused); never throws. */
  observe(op: Op): string | undefined;
  /** Sends everything queued so far; resolves once each of those ops is sent or given up. */
  flush(): Promise<void>;
  /** Flushes, then stops: timers cleared, exit hook removed, later ops dropped. */
  shutdown(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): ClientStats;
}
