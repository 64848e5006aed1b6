// The core's own errors. The HTTP edge maps them to answers (lib/http/errors.ts):
// the core says what is wrong, never which status it becomes.

/**
 * What a caller sent can never be accepted as it is: invalid (a 400 at the
 * HTTP edge), too large (413) or of a media type the route does not read (415). The message and `details` (such as the
 * `fields` that failed) are meant for the caller.
 */
export class InvalidInputError extends Error {
  override name = 'InvalidInputError';

  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly reason: 'invalid' | 'too-large' | 'unsupported-media-type' = 'invalid',
  ) {
    super(message);
  }
}

/** What a caller named does not exist (a 404 at the HTTP edge); the message says what. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** What a caller asked for cannot be done in the state the thing is in (a 409 at the HTTP edge). */
export class ConflictError extends Error {
  override name = 'ConflictError';
}
