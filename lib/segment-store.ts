import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { decodeSegment, encodeSegment } from './jsonl';
import { isSegmentKey, segmentKey, uniqueSuffixes } from './keys';
import { log } from './log';
import type { ObservedOp } from './op';

/**
 * The port between the service and its storage: segments of ops under
 * `ops/`, addressed by keys relative to the configured prefix.
 */
export interface SegmentStore {
  /** Writes the ops as one new segment received at `at` and returns its key. Never overwrites. */
  append(ops: readonly ObservedOp[], at: Date): Promise<string>;
  /** Pages of segment keys under `prefix`, after `startAfter`, in ascending order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string[]>;
  /** The ops of one segment; malformed or invalid lines are skipped with a warning. */
  read(key: string): Promise<ObservedOp[]>;
  /** A document (checkpoint, stats snapshot) as text; undefined when there is none. */
  getDocument(key: string): Promise<string | undefined>;
  /** Writes a document whole, replacing the previous one in one step (or not at all). */
  putDocument(key: string, body: string): Promise<void>;
}

/** Storage could not take or give the data; nothing was recorded, the client may retry. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** How many fresh keys a write tries when the key it picked already exists. */
const KEY_ATTEMPTS = 3;

/** Logs and drops what replay could not use; returns the ops that apply. */
export function replaySegment(key: string, text: string): ObservedOp[] {
  const { ops, skipped } = decodeSegment(text);
  for (const s of skipped)
    log.warn('replay skipped a line', { key, line: s.line, reason: s.reason });
  return ops;
}

/** The segment store on S3 (or any S3-compatible server). */
export class S3SegmentStore implements SegmentStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
    private readonly nextUnique: () => string = uniqueSuffixes(),
  ) {}

  async append(ops: readonly ObservedOp[], at: Date): Promise<string> {
    const body = encodeSegment(ops);
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt++) {
      const key = segmentKey(at, this.nextUnique());
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + key,
            Body: body,
            ContentType: 'application/x-ndjson',
            IfNoneMatch: '*',
          }),
        );
        return key;
      } catch (err: unknown) {
        if (!isKeyClash(err)) {
          throw new StoreUnavailableError('the segment could not be written', { cause: err });
        }
        // The key exists: either our own write whose reply was lost and whose
        // SDK retry met its result, or (unheard of with unique keys) another.
        if (await this.holds(key, body)) return key;
        log.warn('segment key clash, retrying with a new key', { key, attempt });
      }
    }
    throw new StoreUnavailableError(`no free segment key after ${KEY_ATTEMPTS} attempts`);
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string[]> {
    let token: string | undefined;
    do {
      const page = await unavailableOnError('listing segments failed', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            ...(token
              ? { ContinuationToken: token }
              : startAfter
                ? { StartAfter: this.prefix + startAfter }
                : {}),
          }),
        ),
      );
      const keys = (page.Contents ?? [])
        .map((o) => (o.Key ?? '').slice(this.prefix.length))
        .filter(isSegmentKey);
      yield keys;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async read(key: string): Promise<ObservedOp[]> {
    const text = await this.getDocument(key);
    // Listed, then gone (deleted by an operator or a lifecycle rule): nothing to apply.
    if (text === undefined) log.warn('listed segment is gone; skipped', { key });
    return replaySegment(key, text ?? '');
  }

  async getDocument(key: string): Promise<string | undefined> {
    return unavailableOnError(`reading ${key} failed`, async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        );
        return (await res.Body?.transformToString('utf-8')) ?? '';
      } catch (err: unknown) {
        if (errorName(err) === 'NoSuchKey') return undefined;
        throw err;
      }
    });
  }

  async putDocument(key: string, body: string): Promise<void> {
    await unavailableOnError(`writing ${key} failed`, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentType: 'application/json',
        }),
      ),
    );
  }

  private async holds(key: string, body: string): Promise<boolean> {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      const md5 = createHash('md5').update(body).digest('hex');
      return head.ETag?.replaceAll('"', '') === md5;
    } catch {
      return false;
    }
  }
}

async function unavailableOnError<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    throw new StoreUnavailableError(message, { cause: err });
  }
}

function errorName(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { name?: string }).name : undefined;
}

function isKeyClash(err: unknown): boolean {
  const name = errorName(err);
  const status =
    typeof err === 'object' && err !== null
      ? (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
      : undefined;
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    status === 412 ||
    status === 409
  );
}
