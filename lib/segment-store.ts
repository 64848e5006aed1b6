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
  /** A fresh key for a segment received at `at`. */
  nextKey(at: Date): string;
  /**
   * Writes the ops as one new segment received at `at`, under `key` when
   * given (else a fresh one), and returns its key. Never overwrites: a clash
   * is retried under a fresh key.
   */
  append(ops: readonly ObservedOp[], at: Date, key?: string): Promise<string>;
  /**
   * Claims an op id for the segment `key` is about to hold. False when the id
   * is already claimed by a segment that exists: the op is a duplicate.
   */
  claimId(id: string, key: string): Promise<boolean>;
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

  nextKey(at: Date): string {
    return segmentKey(at, this.nextUnique());
  }

  async append(ops: readonly ObservedOp[], at: Date, firstKey?: string): Promise<string> {
    const body = encodeSegment(ops);
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt++) {
      const key = attempt === 1 && firstKey !== undefined ? firstKey : this.nextKey(at);
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

  async claimId(id: string, key: string): Promise<boolean> {
    const marker = idMarkerKey(id);
    const body = JSON.stringify({ id, key });
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + marker,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (err: unknown) {
      if (!isKeyClash(err)) {
        throw new StoreUnavailableError('the op id could not be recorded', { cause: err });
      }
    }
    // Claimed before: a duplicate when the segment the claim names was written.
    const earlier = parseMarker(await this.getDocument(marker));
    if (earlier !== undefined && (await this.exists(earlier))) return false;
    // That write failed (or never happened): this write takes the claim over.
    await this.putDocument(marker, body);
    return true;
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

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return true;
    } catch (err: unknown) {
      const name = errorName(err);
      if (name === 'NotFound' || name === 'NoSuchKey') return false;
      throw new StoreUnavailableError(`checking ${key} failed`, { cause: err });
    }
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

/** `ids/<sha256 of the id>.json`: the marker that claims an op id for one segment. */
export function idMarkerKey(id: string): string {
  return `ids/${createHash('sha256').update(id).digest('hex')}.json`;
}

function parseMarker(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    const key = (value as { key?: unknown } | null)?.key;
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
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
