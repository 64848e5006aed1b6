import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { authorize, createSsmClient, tokenLoader } from '../http/auth';
import type { HttpEvent } from '../http/response';
import { type Config, loadConfig } from '../platform/config';
import { log, logger } from '../platform/log';
import { Observer } from '../ring/observer';
import { meteredStore } from '../storage/metered-store';
import { createS3Client } from '../storage/s3-client';
import { S3SegmentStore } from '../storage/s3-store';
import type { SegmentStore } from '../storage/store';

/** The configuration, parsed once per container: a bad value fails the cold start here. */
export const config: Config = loadConfig();

if (config.apiToken === undefined && config.apiTokenParam === undefined) {
  log.warn(
    'no API token is configured (OBSERVER_API_TOKEN or OBSERVER_API_TOKEN_PARAM): ' +
      'every route is open to anyone who can reach it',
  );
}

let client: S3Client | undefined;
let ssmClient: SSMClient | undefined;
let token = newTokenLoader();
let store: SegmentStore | undefined;
let observer: Observer | undefined;

/** The container's S3 client, created on first use and reused while warm. */
export function s3(): S3Client {
  client ??= createS3Client(config);
  return client;
}

/** The container's store: the configured bucket and prefix. */
export function getStore(): SegmentStore {
  store ??= new S3SegmentStore(s3(), config.bucket, config.prefix);
  return store;
}

/**
 * The container's observer over the store, counting the objects it reads.
 * A reader answers from a ring listed up to OBSERVER_MAX_STALENESS_MS ago
 * (its own, or the newest checkpoint's); the snapshot function, which
 * writes the checkpoint every reader shares, lists every time (`writer`).
 */
export function getObserver(role: 'reader' | 'writer' = 'reader'): Observer {
  observer ??= new Observer(meteredStore(getStore()), {
    cap: config.ringCap,
    skewMs: config.skewMs,
    coldStartHours: config.coldStartHours,
    retryWindowMs: config.retryWindowMs,
    maxStalenessMs: role === 'writer' ? 0 : config.maxStalenessMs,
  });
  return observer;
}

/** Lets the request in, or throws a 401 (or a 503 when the token cannot be read). */
export async function admit(event: HttpEvent): Promise<void> {
  authorize(event, await token());
}

/**
 * Starts the container over, as a new one would: for tests, optionally with
 * their own S3 client or store.
 */
export function resetRuntime(
  options: { client?: S3Client; store?: SegmentStore; ssm?: SSMClient } = {},
): void {
  client = options.client;
  ssmClient = options.ssm;
  token = newTokenLoader();
  store = options.store;
  observer = undefined;
  logger.restartContainer();
}

function newTokenLoader(): () => Promise<string | undefined> {
  return tokenLoader(config, () => {
    ssmClient ??= createSsmClient(config);
    return ssmClient;
  });
}
