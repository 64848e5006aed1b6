import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { messageOf } from '../../platform/log';

/** The header that carries an escalation's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'observer-signature';

/** The header that carries the escalation's id: the same for every attempt and round. */
export const ESCALATION_ID_HEADER = 'observer-escalation-id';

/** How a round of delivery is paced: attempts, their timeout, and the backoff between them. */
export interface DeliveryTuning {
  maxAttempts: number;
  attemptTimeoutMs: number;
  /** The first backoff; each next one doubles, up to maxBackoffMs, with jitter. */
  backoffMs: number;
  maxBackoffMs: number;
}

/** Four attempts of at most 10 s each, 1, 2 and 4 s apart (with jitter). */
export const DELIVERY_TUNING: DeliveryTuning = {
  maxAttempts: 4,
  attemptTimeoutMs: 10_000,
  backoffMs: 1_000,
  maxBackoffMs: 8_000,
};

/** One HTTP attempt: when, how long, and the status or the error. */
export const DeliveryAttemptSchema = z.object({
  at: z.string().describe('when the attempt started (ISO 8601, UTC)'),
  ms: z.number().int().nonnegative(),
  status: z.number().int().optional().describe("the receiver's status, when it answered"),
  response: z.string().optional().describe('the start of a non-2xx answer (300 characters)'),
  error: z.string().optional().describe('what failed when there was no answer'),
});
export type DeliveryAttempt = z.infer<typeof DeliveryAttemptSchema>;

/** How a round ended: `delivered` (2xx), `rejected` (another 3xx/4xx: not retried) or `failed`. */
export interface DeliveryResult {
  outcome: 'delivered' | 'rejected' | 'failed';
  attempts: DeliveryAttempt[];
}

/** Where and how to deliver one escalation. */
export interface DeliveryTarget {
  url: string;
  /** Signs each attempt when set. */
  secret?: string | undefined;
  escalationId: string;
  fetch: typeof fetch;
  /** The clock (ms since the epoch) attempts are stamped with and the deadline is read on. */
  clock: () => number;
  /** No attempt starts, and none runs, past this time (ms since the epoch). */
  deadline: number;
  tuning?: DeliveryTuning;
}

const RESPONSE_EXCERPT = 300;

/**
 * `t=<unix>,v1=<hex>`: HMAC-SHA256 with the secret over `${t}.${body}`, as
 * Stripe signs webhooks. A receiver recomputes it over the raw body and
 * compares in constant time (docs/escalation.md).
 */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/**
 * POSTs the body to the target, signed anew for each attempt, and retries
 * with exponential backoff (and jitter) on a 5xx, 408, 429, a timeout or a
 * network error, honouring a short `Retry-After`; never on another status.
 * Every attempt has its own timeout, and none outlasts the deadline.
 */
export async function deliver(body: string, target: DeliveryTarget): Promise<DeliveryResult> {
  const tuning = target.tuning ?? DELIVERY_TUNING;
  const attempts: DeliveryAttempt[] = [];
  for (let n = 1; n <= tuning.maxAttempts; n++) {
    const left = target.deadline - target.clock();
    if (left <= 0) break;
    const { attempt, retryAfterMs } = await post(
      body,
      target,
      Math.min(tuning.attemptTimeoutMs, left),
    );
    attempts.push(attempt);
    if (attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300) {
      return { outcome: 'delivered', attempts };
    }
    if (attempt.status !== undefined && !retryable(attempt.status)) {
      return { outcome: 'rejected', attempts };
    }
    if (n === tuning.maxAttempts) break;
    const wait = Math.max(backoff(tuning, n), retryAfterMs ?? 0);
    // Not worth waiting for an attempt that could not run before the deadline.
    if (target.clock() + wait >= target.deadline) break;
    await sleep(wait);
  }
  return { outcome: 'failed', attempts };
}

async function post(
  body: string,
  target: DeliveryTarget,
  timeoutMs: number,
): Promise<{ attempt: DeliveryAttempt; retryAfterMs?: number }> {
  const started = target.clock();
  const at = new Date(started).toISOString();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    [ESCALATION_ID_HEADER]: target.escalationId,
  };
  if (target.secret !== undefined) {
    headers[SIGNATURE_HEADER] = signatureHeader(target.secret, body, Math.floor(started / 1000));
  }
  try {
    const res = await target.fetch(target.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = res.ok ? '' : await excerpt(res);
    await res.body?.cancel().catch(() => undefined);
    const attempt: DeliveryAttempt = { at, ms: target.clock() - started, status: res.status };
    if (text !== '') attempt.response = text;
    const retryAfterMs = retryAfter(res.headers.get('retry-after'));
    return retryAfterMs === undefined ? { attempt } : { attempt, retryAfterMs };
  } catch (err: unknown) {
    const error = isTimeout(err) ? `no answer within ${timeoutMs} ms` : networkError(err);
    return { attempt: { at, ms: target.clock() - started, error } };
  }
}

function retryable(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

function backoff(tuning: DeliveryTuning, attempt: number): number {
  const full = Math.min(tuning.maxBackoffMs, tuning.backoffMs * 2 ** (attempt - 1));
  // Half fixed, half random: retries from many runs spread out.
  return Math.round(full / 2 + (Math.random() * full) / 2);
}

/** A `Retry-After` in seconds (at most 99); a date or a longer one is not waited for. */
function retryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d{1,2}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

async function excerpt(res: Response): Promise<string> {
  try {
    return (await res.text()).slice(0, RESPONSE_EXCERPT);
  } catch {
    return '';
  }
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

// fetch says only "fetch failed"; the cause names what failed (ECONNREFUSED, a reset...).
function networkError(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? messageOf(err.cause) : '';
  return cause === '' ? messageOf(err) : `${messageOf(err)}: ${cause}`;
}
