import { createHash, timingSafeEqual } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type {
  APIGatewayProxyEventV2,
  Context,
  APIGatewayProxyStructuredResultV2 as HttpResult,
} from 'aws-lambda';
import { describeError, log } from '../platform/log';
import { withTelemetry } from '../platform/metrics';
import { StoreUnavailableError } from '../storage/store';
import { TokenUnavailableError } from './api-token';

export type { HttpResult };
export type HttpEvent = APIGatewayProxyEventV2;

/** The largest request body accepted, after base64 decoding. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An answer for the client: status, message and optional details, all sent as JSON. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const BASE_HEADERS = {
  'content-type': 'application/json',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/** Every response goes through here: a JSON body and the same safe headers. */
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: { ...BASE_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Turns anything thrown into a response: an HttpError says what it says; a
 * store outage is a 503 the client may retry; anything else is logged with
 * its cause and answered without detail.
 */
export function toResponse(err: unknown): HttpResult {
  if (err instanceof HttpError) {
    return json(err.status, { error: err.message, ...err.details }, err.headers);
  }
  if (err instanceof StoreUnavailableError) {
    log.error('storage unavailable', { ...describeError(err), outcome: err.outcome });
    const error =
      err.outcome === 'unknown'
        ? 'storage did not confirm the write; the op may or may not have been recorded, retry later'
        : 'storage is unavailable; nothing was recorded, retry later';
    return json(
      503,
      { error, recorded: err.outcome === 'unknown' ? 'unknown' : false },
      {
        'retry-after': '1',
      },
    );
  }
  if (err instanceof TokenUnavailableError) {
    log.error('API token unavailable; refusing the request', describeError(err));
    return json(
      503,
      { error: 'authentication is unavailable; retry later' },
      { 'retry-after': '1' },
    );
  }
  log.error('unhandled error', describeError(err));
  return json(500, { error: 'internal error' });
}

/**
 * Wraps a handler so that whatever it throws becomes a JSON response, logs
 * one line per request (method, path, status, ms) and publishes the
 * request's metrics. `onAnswer` sees every answer and what was thrown, if
 * anything.
 */
export function httpHandler(
  fn: (event: HttpEvent) => Promise<HttpResult>,
  onAnswer?: (res: HttpResult, err: unknown) => void,
): (event: HttpEvent, context?: Context) => Promise<HttpResult> {
  return withTelemetry(async (event: HttpEvent, _context?: Context) => {
    const started = performance.now();
    let res: HttpResult;
    let thrown: unknown;
    try {
      res = await fn(event);
    } catch (err: unknown) {
      thrown = err;
      res = toResponse(err);
    }
    onAnswer?.(res, thrown);
    log.info('request', {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
    });
    return res;
  });
}

/** A header's value, whatever case the client sent its name in. */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === wanted) return v;
  }
  return undefined;
}

/**
 * The request body parsed as JSON: decoded from base64 when API Gateway
 * encoded it, bounded in size (413), JSON content type only (415), valid
 * JSON only (400).
 */
export function readJsonBody(event: HttpEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    throw new HttpError(415, `content-type must be application/json, got "${contentType}"`);
  }
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf-8');
  if (body.length > maxBytes) {
    throw new HttpError(413, `request body is ${body.length} bytes; the limit is ${maxBytes}`);
  }
  if (body.length === 0) throw new HttpError(400, 'request body is empty; send one op as JSON');
  try {
    return JSON.parse(body.toString('utf-8'));
  } catch (err: unknown) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new HttpError(400, `request body is not valid JSON: ${reason}`);
  }
}

/**
 * When a token is configured, requires `Authorization: Bearer <token>`
 * (compared in constant time) and answers 401 otherwise. Every route that
 * takes or gives ops calls this with `runtime.apiToken()`; only health is open.
 */
export function authorize(event: HttpEvent, token: string | undefined): void {
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(header(event, 'authorization') ?? '')?.[1]?.trim();
  const challenge = { 'www-authenticate': 'Bearer realm="observer"' };
  if (given === undefined) {
    throw new HttpError(
      401,
      'missing bearer token: send Authorization: Bearer <token>',
      {},
      challenge,
    );
  }
  if (!sameSecret(given, token)) {
    throw new HttpError(
      401,
      'invalid bearer token',
      {},
      {
        'www-authenticate': 'Bearer realm="observer", error="invalid_token"',
      },
    );
  }
}

// Hashing first makes the comparison constant-time whatever the lengths.
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function isJsonContentType(value: string): boolean {
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
