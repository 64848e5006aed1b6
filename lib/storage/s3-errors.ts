import { StoreUnavailableError } from './errors';

/** Metadata that marks an object as a void: a key given up on, holding no ops. */
export const VOID_METADATA = { 'observer-void': '1' };

/** Whether an object's metadata marks it as a void. */
export function isVoid(metadata: Record<string, string> | undefined): boolean {
  return metadata?.['observer-void'] !== undefined;
}

/** The SDK error's name (`NoSuchKey`, `PreconditionFailed`, …), if it has one. */
export function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

/** The HTTP status S3 answered with, if it answered. */
export function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null
    ? (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    : undefined;
}

/** A conditional write lost: the key exists (If-None-Match) or changed (If-Match). */
export function isKeyClash(err: unknown): boolean {
  const name = errorName(err);
  const status = statusOf(err);
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    status === 412 ||
    status === 409
  );
}

/** The key is not there (GetObject's NoSuchKey, HeadObject's bare 404). */
export function isMissing(err: unknown): boolean {
  const name = errorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(err) === 404;
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether a failed attempt certainly did not write: it never connected, or
 * S3 refused it (a 4xx other than a request timeout, or a 503 Slow Down).
 * A 500 or a lost reply may have written.
 */
export function neverWrote(err: unknown): boolean {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
  const status = statusOf(err);
  return (
    status !== undefined && ((status >= 400 && status < 500 && status !== 408) || status === 503)
  );
}

/** Runs an S3 call, turning any failure into a StoreUnavailableError with `message`. */
export async function unavailableOnError<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (err instanceof StoreUnavailableError) throw err;
    throw new StoreUnavailableError(message, { cause: err });
  }
}
