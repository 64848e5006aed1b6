import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from './config';
import { log } from './log';
import { Observer } from './observer';
import { createS3Client } from './s3-client';
import { type CompactionStore, S3SegmentStore, type SegmentStore } from './segment-store';
import { meteredStore } from './telemetry';

/** The configuration, parsed once per container: a bad value fails the cold start here. */
export const config: Config = loadConfig();

if (config.apiToken === undefined) {
  log.warn('OBSERVER_API_TOKEN is not set: event and stats are open to anyone who can reach them');
}

let client: S3Client | undefined;
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
  options: { client?: S3Client; store?: SegmentStore; compactionStore?: CompactionStore } = {},
): void {
  client = options.client;
  observer = options.store ? createObserver(options.store) : undefined;
  compactionStore = options.compactionStore;
  coldStart = true;
}

function createObserver(store: SegmentStore): Observer {
  return new Observer(meteredStore(store), {
    cap: config.ringCap,
    skewMs: config.skewMs,
    coldStartHours: config.coldStartHours,
  });
}
