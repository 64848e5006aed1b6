import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { gunzipCompacted } from './compacted';
import { decodeSegment, encodeSegment } from './jsonl';
import { isCompactedKey, isSegmentKey, segmentKey, uniqueSuffixes } from './keys';
import { log } from './log';
import type { ObservedOp } from './op';
import type { RingEntry } from './ring';

/**
 * The port between the service and its storage: segments of ops under
 * `ops/`, addressed by keys relative to the configured prefix.
 */
export interface SegmentStore {
  /** Writes the ops as one new segment received at `at` and returns its key. Never overwrites. */
  append(ops: readonly ObservedOp[], at: Date): Promise<string>;
  /** Pages of segment keys under `prefix`, after `startAfter`, in ascending order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string[]>;
  /**
   * The ops a listed object holds, each with the segment key and line it was
   * first stored under: a segment's own ops, or every op of a compacted hour.
   * Malformed or invalid lines are skipped with a warning.
   */
  read(key: string): Promise<RingEntry[]>;
  /** A document (checkpoint, stats snapshot) as text; undefined when there is none. */
  getDocument(key: string): Promise<string | undefined>;
  /** Writes a document whole, replacing the previous one in one step (or not at all). */
  putDocument(key: string, body: string): Promise<void>;
}

/** An object's bytes and the version tag (ETag) they were read at. */
export interface StoredObject {
  body: Uint8Array;
  etag: string;
}

/** What compaction needs: list, read and write whole objects, delete segments. */
export interface CompactionStore {
  /** Pages of segment keys under `prefix`, in ascending order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string[]>;
  /** An object's bytes, or undefined when there is none. */
  getObject(key: string): Promise<StoredObject | undefined>;
  /**
   * Writes an object whole, only if the key still holds the version `ifMatch`
   * names (or nothing, for null); a ConcurrentWriteError otherwise.
   */
  putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<void>;
  /** Deletes the objects; resolves once every one is gone (an absent one counts as gone). */
  deleteObjects(keys: readonly string[]): Promise<void>;
}

/** Someone else wrote the object since it was read; nothing was written. */
export class ConcurrentWriteError extends Error {
  override name = 'ConcurrentWriteError';
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

/**
 * The entries a stored object holds: a segment's ops at their line, or a
 * compacted hour's ops at their original key and line. What cannot be read
 * is logged and dropped.
 */
export function replayObject(key: string, body: Uint8Array | string): RingEntry[] {
  if (!isCompactedKey(key)) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf-8');
    return replaySegment(key, text).map((op, line) => ({ key, line, op }));
  }
  const decoded = gunzipCompacted(typeof body === 'string' ? Buffer.from(body) : body);
  if ('error' in decoded) {
    log.warn('compacted object unreadable; skipped', { key, reason: decoded.error });
    return [];
  }
  for (const s of decoded.skipped)
    log.warn('replay skipped a line', { key, line: s.line, reason: s.reason });
  return decoded.entries;
}

/** The segment store on S3 (or any S3-compatible server). */
export class S3SegmentStore implements SegmentStore, CompactionStore {
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

  async read(key: string): Promise<RingEntry[]> {
    const body = isCompactedKey(key)
      ? (await this.getObject(key))?.body
      : await this.getDocument(key);
    // Listed, then gone (compacted, expired, or deleted by an operator): nothing to apply.
    if (body === undefined) log.warn('listed segment is gone; skipped', { key });
    return replayObject(key, body ?? '');
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    return unavailableOnError(`reading ${key} failed`, async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        );
        const body = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
        return { body, etag: res.ETag ?? '' };
      } catch (err: unknown) {
        if (errorName(err) === 'NoSuchKey') return undefined;
        throw err;
      }
    });
  }

  async putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          // A Buffer, not a stream: local S3 servers store streamed bodies with their chunk framing.
          Body: Buffer.from(body),
          ContentType: 'application/gzip',
          ...(ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch }),
        }),
      );
    } catch (err: unknown) {
      if (isKeyClash(err)) throw new ConcurrentWriteError(`${key} changed since it was read`);
      throw new StoreUnavailableError(`writing ${key} failed`, { cause: err });
    }
  }

  async deleteObjects(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys, and answers 200 with per-key errors.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await unavailableOnError('deleting segments failed', () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((k) => ({ Key: this.prefix + k })), Quiet: true },
          }),
        ),
      );
      const failed = res.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new StoreUnavailableError(
          `${failed.length} of ${batch.length} deletes failed (${first?.Key}: ${first?.Code})`,
        );
      }
    }
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
