import { z } from 'zod';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { SCOPES } from '../platform/api-keys';
import { describeError, log } from '../platform/log';
import { StoreUnavailableError } from '../storage/errors';
import { type HttpResult, json } from './response';

/**
 * An answer for the client: status, message and optional details, sent as
 * JSON. Only a 4xx is exposed as it is: a 5xx HttpError is logged with its
 * message and answered without it, so no internal detail reaches a client.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  /** Whether the message and details may be sent to the client (status < 500). */
  readonly expose: boolean;

  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.expose = status < 500;
  }
}

/** The keys (or the token) could not be read: nobody is let in, and the client may retry. */
export class CredentialsUnavailableError extends Error {
  override name = 'CredentialsUnavailableError';
}

/** The body of an error answer: what is wrong, in one sentence. */
export const ErrorAnswerSchema = z.object({
  error: z.string().describe('what is wrong; for a 500 only "internal error"'),
});
export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;

/** The body of a 403: the key is known, but its scope does not cover the route. */
export const ForbiddenAnswerSchema = ErrorAnswerSchema.extend({
  scope_needed: z
    .enum(SCOPES)
    .describe('the scope a key needs for this route (an admin key may call every route)'),
});
export type ForbiddenAnswer = z.infer<typeof ForbiddenAnswerSchema>;

/** The body of a 503: retry later; after a write, `recorded` says whether it may have landed. */
export const UnavailableAnswerSchema = ErrorAnswerSchema.extend({
  recorded: z
    .union([z.literal(false), z.literal('unknown')])
    .optional()
    .describe('false: nothing was recorded; "unknown": the write may or may not have landed'),
});
export type UnavailableAnswer = z.infer<typeof UnavailableAnswerSchema>;

const RETRY_LATER = { 'retry-after': '1' };

const INVALID_INPUT_STATUS = {
  invalid: 400,
  'too-large': 413,
  'unsupported-media-type': 415,
} as const satisfies Record<InvalidInputError['reason'], number>;
const INTERNAL_ERROR: ErrorAnswer = { error: 'internal error' };

/**
 * Turns anything thrown into a response: an exposed HttpError says what it
 * says; the core's InvalidInputError is a 400 (413 when too large, 415 for a media type it does not read) and its
 * NotFoundError a 404 (ConflictError a 409), each with its message; a store outage is a 503 the client may retry (saying, for a write,
 * whether anything was recorded); anything else is logged with its cause
 * and answered without detail.
 */
export function toResponse(err: unknown): HttpResult {
  if (err instanceof HttpError && err.expose) {
    return json(err.status, { error: err.message, ...err.details }, err.headers);
  }
  if (err instanceof InvalidInputError) {
    return json(INVALID_INPUT_STATUS[err.reason], { error: err.message, ...err.details });
  }
  if (err instanceof NotFoundError) return json(404, { error: err.message });
  if (err instanceof ConflictError) return json(409, { error: err.message });
  if (err instanceof StoreUnavailableError) {
    log.error('storage unavailable', { ...describeError(err), outcome: err.outcome });
    return json(503, storeUnavailableBody(err), RETRY_LATER);
  }
  if (err instanceof CredentialsUnavailableError) {
    log.error('credentials unavailable; refusing the request', describeError(err));
    const body: UnavailableAnswer = { error: 'authentication is unavailable; retry later' };
    return json(503, body, RETRY_LATER);
  }
  if (err instanceof HttpError) {
    log.error('request failed', describeError(err));
    return json(err.status, INTERNAL_ERROR, err.headers);
  }
  log.error('unhandled error', describeError(err));
  return json(500, INTERNAL_ERROR);
}

function storeUnavailableBody(err: StoreUnavailableError): UnavailableAnswer {
  switch (err.outcome) {
    case 'unknown':
      return {
        error:
          'storage did not confirm the write; the op may or may not have been recorded, retry later',
        recorded: 'unknown',
      };
    case 'not-recorded':
      return {
        error: 'storage is unavailable; nothing was recorded, retry later',
        recorded: false,
      };
    default:
      return { error: 'storage is unavailable; retry later' };
  }
}
