import { BatchRefusedError, NetworkError, OpRejectedError, RetryableAnswerError } from './errors';
import { parseRetryAfter } from './retry';

/** The `fetch` the client calls: the global one, or one the caller supplies. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One POST of a batch. */
export interface BatchRequest {
  fetch: FetchLike;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** What became of one POST of a batch. */
export type SendOutcome =
  | {
      kind: 'answered';
      /** Refused ops by their index in the batch. */
      rejected: Map<number, OpRejectedError>;
      /** Indexes of ops the service had already recorded. */
      duplicates: Set<number>;
    }
  | { kind: 'retry'; error: RetryableAnswerError | NetworkError; retryAfterMs?: number }
  | { kind: 'refused'; error: BatchRefusedError };

/** Sends one batch and sorts the answer into accepted, retry or refused. Never throws. */
export async function sendBatch(req: BatchRequest): Promise<SendOutcome> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), req.timeoutMs);
  try {
    const res = await req.fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal: abort.signal,
    });
    const text = await res.text();
    return classify(res.status, text, res.headers.get('retry-after'));
  } catch (err: unknown) {
    const why = abort.signal.aborted ? `no answer within ${req.timeoutMs} ms` : 'network error';
    return { kind: 'retry', error: new NetworkError(`${why} from ${req.url}`, { cause: err }) };
  } finally {
    clearTimeout(timer);
  }
}

function classify(status: number, text: string, retryAfter: string | null): SendOutcome {
  if (status >= 200 && status < 300) {
    const answer = batchAnswer(text);
    if (answer !== undefined) return { kind: 'answered', ...answer };
    // serverless-offline, for one, answers a function that timed out or crashed with a 200.
    return retryable(status, `a ${status} answer that is not a batch answer`, undefined);
  }
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return retryable(status, `the service answered ${status}`, retryAfterMs);
  }
  const body = text.slice(0, 1000);
  return {
    kind: 'refused',
    error: new BatchRefusedError(`the service refused the batch: ${status} ${body}`, status, body),
  };
}

function retryable(status: number, message: string, retryAfterMs: number | undefined): SendOutcome {
  return {
    kind: 'retry',
    error: new RetryableAnswerError(message, status, retryAfterMs),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** The accepted and rejected lists of a 201/207 body; undefined when it is not one. */
function batchAnswer(
  text: string,
): { rejected: Map<number, OpRejectedError>; duplicates: Set<number> } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { accepted, rejected } = body as { accepted?: unknown; rejected?: unknown };
  if (!Array.isArray(accepted)) return undefined;
  const duplicates = new Set<number>();
  for (const a of accepted) {
    const item = a as { index?: unknown; duplicate?: unknown } | null;
    if (typeof item?.index === 'number' && item.duplicate === true) duplicates.add(item.index);
  }
  const refused = new Map<number, OpRejectedError>();
  for (const r of Array.isArray(rejected) ? rejected : []) {
    const item = r as { index?: unknown; status?: unknown; error?: unknown } | null;
    if (typeof item?.index !== 'number') continue;
    const status = typeof item.status === 'number' ? item.status : 400;
    const error = typeof item.error === 'string' ? item.error : 'refused';
    refused.set(item.index, new OpRejectedError(`the service refused the op: ${error}`, status));
  }
  return { rejected: refused, duplicates };
}
