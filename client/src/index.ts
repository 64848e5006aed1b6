// @observer/client: sends observed ops to an observer service in batches,
// retried with backoff and made idempotent by an id on every op.

export type { ClientStats, ErrorContext, ObserverClient, ObserverClientOptions } from './api';
export { createObserverClient } from './client';
export {
  BatchRefusedError,
  DeliveryFailedError,
  InvalidOpError,
  NetworkError,
  OpRejectedError,
  OpsDroppedError,
  RetryableAnswerError,
} from './errors';
export type { Op } from './ops';
export type { Backoff } from './retry';
export type { FetchLike } from './send';
