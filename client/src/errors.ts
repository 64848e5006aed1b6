// The errors the client reports through `onError`. It never throws them into
// the caller: each one names what happened to which ops.

/** `observe()` was given something that is not an op the service would take. */
export class InvalidOpError extends Error {
  override name = 'InvalidOpError';
}

/** The service refused one op of a batch (a 207 answer); it is not sent again. */
export class OpRejectedError extends Error {
  override name = 'OpRejectedError';

  constructor(
    message: string,
    /** The status the service gave this op (400 or 413). */
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The service refused a whole batch with a 4xx other than 429; it is not sent again. */
export class BatchRefusedError extends Error {
  override name = 'BatchRefusedError';

  constructor(
    message: string,
    readonly status: number,
    /** The answer's body, as text (cut to 1000 characters). */
    readonly body: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An answer worth retrying: 429, a 5xx, or a 2xx that is not a batch answer. */
export class RetryableAnswerError extends Error {
  override name = 'RetryableAnswerError';

  constructor(
    message: string,
    readonly status: number,
    /** Milliseconds the service asked to wait (`Retry-After`), if it said. */
    readonly retryAfterMs: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The request got no answer: a network error or the request timeout. */
export class NetworkError extends Error {
  override name = 'NetworkError';
}

/** A batch was given up after its last retry; `cause` is the last failure. */
export class DeliveryFailedError extends Error {
  override name = 'DeliveryFailedError';
}

/** Ops were dropped unsent: the queue was full, the client was shut down, or the process exited. */
export class OpsDroppedError extends Error {
  override name = 'OpsDroppedError';
}
