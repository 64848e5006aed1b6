import type { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { authorize } from '../http/auth';
import { callerOf } from '../http/caller';
import { createSsmClient, credentialsLoader, type KeyRing } from '../http/credentials';
import type { HttpEvent } from '../http/response';
import { IssueFolder } from '../issues/fold';
import { IssueReader } from '../issues/service';
import { SqsDispatcher } from '../lake/sqs-dispatch';
import type { Dispatcher } from '../lake/units';
import type { Scope } from '../platform/api-keys';
import { type Config, loadConfig } from '../platform/config';
import { log, logger } from '../platform/log';
import { Observer } from '../ring/observer';
import { meteredStore } from '../storage/metered-store';
import { createS3Client } from '../storage/s3-client';
import { S3SegmentStore } from '../storage/s3-store';
import { reusingSegmentReads } from '../storage/segment-reuse';
import type { SegmentStore } from '../storage/store';

/** The configuration, parsed once per container: a bad value fails the cold start here. */
export const config: Config = loadConfig();

if (
  config.apiToken === undefined &&
  config.apiTokenParam === undefined &&
  config.apiKeys === undefined &&
  config.apiKeysParam === undefined
) {
  log.warn(
    'no API key or token is configured (OBSERVER_API_KEYS, OBSERVER_API_KEYS_PARAM, ' +
      'OBSERVER_API_TOKEN or OBSERVER_API_TOKEN_PARAM): every route is open to anyone who can reach it',
  );
}

let client: S3Client | undefined;
let ssmClient: SSMClient | undefined;
let credentials = newCredentialsLoader();
let store: SegmentStore | undefined;
let observer: Observer | undefined;
let dispatcher: Dispatcher | undefined;
let folder: IssueFolder | undefined;
let issueReader: IssueReader | undefined;

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
 * Where compaction units go: the queue OBSERVER_COMPACT_QUEUE_URL names,
 * or undefined when none is configured (the units then run in the
 * invocation that planned them).
 */
export function compactDispatcher(): Dispatcher | undefined {
  if (config.compactQueueUrl === undefined) return dispatcher;
  dispatcher ??= new SqsDispatcher(
    new SQSClient({ region: config.region }),
    config.compactQueueUrl,
  );
  return dispatcher;
}

/**
 * The container's observer over the store, counting the objects it reads.
 * A reader answers from a ring listed up to OBSERVER_MAX_STALENESS_MS ago
 * (its own, or the newest checkpoint's); the snapshot function, which
 * writes the checkpoint every reader shares, lists every time (`writer`),
 * and keeps the segments it read for its issue fold (`getFolder`), which
 * reads the same ones next.
 */
export function getObserver(role: 'reader' | 'writer' = 'reader'): Observer {
  if (observer === undefined) {
    const metered = meteredStore(getStore());
    observer = new Observer(role === 'writer' ? reusingSegmentReads(metered) : metered, {
      cap: config.ringCap,
      skewMs: config.skewMs,
      coldStartHours: config.coldStartHours,
      retryWindowMs: config.retryWindowMs,
      maxStalenessMs: role === 'writer' ? 0 : config.maxStalenessMs,
    });
  }
  return observer;
}

/**
 * The container's issue folder: the snapshot function's, the one writer of
 * the issue state (one at a time, by conditional writes).
 */
export function getFolder(): IssueFolder {
  folder ??= new IssueFolder(getObserver('writer').store, {
    skewMs: config.skewMs,
    retryWindowMs: config.retryWindowMs,
    thresholds: config.escalation,
  });
  return folder;
}

/** What the issue routes read the issue state and rules through, kept while warm. */
export function getIssueReader(): IssueReader {
  issueReader ??= new IssueReader(getStore(), {
    maxStalenessMs: config.maxStalenessMs,
    thresholds: config.escalation,
  });
  return issueReader;
}

/** Who made a request, as issue changes record it: its key's fingerprint, or `open` without keys. */
export function callerName(event: HttpEvent): string {
  return callerOf(event) ?? 'open';
}

/**
 * Lets the request in when its key has `scope` (an admin key has every
 * scope), or when no key is configured. Throws a 401 for a missing or
 * unknown key, a 403 naming the scope for a key without it, a 503 when the
 * keys cannot be read. Every handler of a route calls it first, with the
 * route's scope in ROUTE_ACCESS (lib/http/routes.ts).
 */
export async function admit(event: HttpEvent, scope: Scope): Promise<void> {
  authorize(event, await credentials(), scope);
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
    dispatcher?: Dispatcher;
  } = {},
): void {
  client = options.client;
  ssmClient = options.ssm;
  dispatcher = options.dispatcher;
  credentials = newCredentialsLoader();
  store = options.store;
  observer = undefined;
  folder = undefined;
  issueReader = undefined;
  logger.restartContainer();
}

function newCredentialsLoader(): () => Promise<KeyRing | undefined> {
  return credentialsLoader(config, () => {
    ssmClient ??= createSsmClient(config);
    return ssmClient;
  });
}
