import type { S3Client } from '@aws-sdk/client-s3';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient, tokenLoader } from '../http/api-token';
import { authorize, type HttpEvent } from '../http/http';
import { Observer } from '../ring/observer';
import { createS3Client } from '../storage/s3-client';
import { S3SegmentStore } from '../storage/s3-store';
import type { CompactionStore, SegmentStore } from '../storage/store';
import { type Config, loadConfig } from './config';
import { log } from './log';
import { meteredStore } from './metrics';

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
let observer: Observer | undefined;
let compactionStore: CompactionStore | undefined;
let coldStart = true;

/** The container's S3 client, created on first use and reused while warm. */
export function s3(): S3Client {
  client ??= createS3Client(config);
  return client;
}

/** The container's observer over the configured bucket. */
export function getObserver(): Observer {
  observer ??= createObserver(new S3SegmentStore(s3(), config.bucket, config.prefix));
  return observer;
}

/**
 * The API token every route but health requires (undefined: none is configured).
 * From SSM it is read on first use and kept while the container is warm.
 */
export function apiToken(): Promise<string | undefined> {
  return token();
}

/** The start of every token-protected route: the container is warm now, and the token is checked (401). */
export async function admit(event: HttpEvent): Promise<void> {
  takeColdStart();
  authorize(event, await apiToken());
}

/** The store compaction works on: the configured bucket and prefix. */
export function getCompactionStore(): CompactionStore {
  compactionStore ??= new S3SegmentStore(s3(), config.bucket, config.prefix);
  return compactionStore;
}

/** True for the first invocation a container serves, false after. */
export function takeColdStart(): boolean {
  const was = coldStart;
  coldStart = false;
  return was;
}

/**
 * Starts the container over, as a new one would: for tests, optionally with
 * their own S3 client or store.
 */
export function resetRuntime(
  options: {
    client?: S3Client;
    store?: SegmentStore;
    ssm?: SSMClient;
    compactionStore?: CompactionStore;
  } = {},
): void {
  client = options.client;
  ssmClient = options.ssm;
  token = newTokenLoader();
  observer = options.store ? createObserver(options.store) : undefined;
  compactionStore = options.compactionStore;
  coldStart = true;
}

function newTokenLoader(): () => Promise<string | undefined> {
  return tokenLoader(config, () => {
    ssmClient ??= createSsmClient(config);
    return ssmClient;
  });
}

function createObserver(store: SegmentStore): Observer {
  return new Observer(meteredStore(store), {
    cap: config.ringCap,
    skewMs: config.skewMs,
    coldStartHours: config.coldStartHours,
  });
}
