import { z } from 'zod';
import { FieldIssueSchema } from '../domain/op';
import { AcceptedOpSchema, RejectionSchema } from '../ingest/answers';
import { ErrorAnswerSchema, ForbiddenAnswerSchema, UnavailableAnswerSchema } from './errors';
import type { AnswerDescription } from './openapi';

// The answers many routes share, for the API description.

/** 400 to one op that failed validation, naming every field and why. */
export const InvalidOpAnswerSchema = ErrorAnswerSchema.extend({
  fields: z.array(FieldIssueSchema),
});

/** 400 to a batch in which no op is valid: nothing was recorded. */
export const NoValidOpAnswerSchema = ErrorAnswerSchema.extend({
  accepted: z.array(AcceptedOpSchema).max(0),
  rejected: z.array(RejectionSchema).min(1),
});

/** The header a stale ring's answer carries. */
export const STALE = {
  'x-observer-stale': '"true" when S3 could not be listed: the ring as it was',
};

/** A 400 naming each wrong query parameter. */
export const InvalidQueryAnswer = InvalidOpAnswerSchema;

/** The header every 503 carries. */
export const RETRY_AFTER = { 'retry-after': 'seconds to wait before retrying: 1' };

/** A 500: a bug. */
export const internalError: AnswerDescription = {
  description: 'a bug; the body says only "internal error" and the cause is in the log',
  body: ErrorAnswerSchema,
};

/** What every route that needs a key may also answer. */
export const GUARDED: Record<number, AnswerDescription> = {
  401: {
    description: 'keys are configured and the request has none, or one that is not listed',
    body: ErrorAnswerSchema,
    headers: { 'www-authenticate': 'Bearer realm="observer" (with error="invalid_token")' },
  },
  403: {
    description: "the key is listed, but its scope does not cover this route's",
    body: ForbiddenAnswerSchema,
    headers: {
      'www-authenticate':
        'Bearer realm="observer", error="insufficient_scope", scope="<the scope needed>"',
    },
  },
  503: {
    description: 'storage, or the keys kept in SSM, is unavailable; retry later',
    body: UnavailableAnswerSchema,
    headers: RETRY_AFTER,
  },
  500: internalError,
};

/** What every route that reads a JSON body may also answer. */
export const JSON_BODY: Record<number, AnswerDescription> = {
  413: { description: 'the body is over 1 MiB, or an op over 64 KiB', body: ErrorAnswerSchema },
  415: { description: 'a content-type that is not JSON', body: ErrorAnswerSchema },
};
