/** Someone else wrote the object since it was read; nothing was written. */
export class ConcurrentWriteError extends Error {
  override name = 'ConcurrentWriteError';
}

/**
 * Storage could not take or give the data; the client may retry. For a
 * write of ops, `outcome` says whether it is certain that nothing was
 * recorded; a read (or a write of anything else) has none.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly outcome: 'not-recorded' | 'unknown' | undefined;

  constructor(
    message: string,
    options: ErrorOptions & { outcome?: 'not-recorded' | 'unknown' } = {},
  ) {
    super(message, options);
    this.outcome = options.outcome;
  }
}
