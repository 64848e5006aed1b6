import { createHash } from 'node:crypto';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObservedOp } from '../ingest/op';
import { log } from '../platform/log';
import type { RingEntry } from '../ring/ring';
import { ConcurrentWriteError, StoreUnavailableError } from './errors';
import { compactedKey, isCompactedKey, isSegmentKey, segmentKey, uniqueSuffixes } from './keys';
import { replayObject } from './replay';
import { encodeSegment, MAX_SEGMENT_BYTES } from './segment-codec';
import type { SegmentStore, StoredObject } from './store';

/** How many fresh keys a write tries when the key it picked already exists. */
const KEY_ATTEMPTS = 3;

/** How many times a write whose outcome is unknown tries to settle its key. */
const SETTLE_ATTEMPTS = 3;

/** Metadata that marks an object as a void: a key given up on, holding no ops. */
export const VOID_METADATA = { 'observer-void': '1' };

/** Time limits of one append: a write (with the SDK's retries), then settling its key. */
export interface WriteBudget {
  writeMs: number;
  settleMs: number;
}

/**
 * Within the event function's 10 s: the write and its retries get 6 s, and
 * settling a key whose write failed without an answer gets 2.5 s more.
 */
export const DEFAULT_WRITE_BUDGET: WriteBudget = { writeMs: 6_000, settleMs: 2_500 };

/** What one conditional PutObject came to. */
type PutResult =
  | { kind: 'written' }
  | { kind: 'clash' }
  | { kind: 'failed'; err: unknown; maybeWritten: boolean };

/** The segment store on S3 (or any S3-compatible server). */
export class S3SegmentStore implements SegmentStore, SegmentStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = '',
    private readonly nextUnique: () => string = uniqueSuffixes(),
    private readonly budget: WriteBudget = DEFAULT_WRITE_BUDGET,
  ) {}

  nextKey(at: Date): string {
    return segmentKey(at, this.nextUnique());
  }

  /**
   * Writes the segment under `firstKey` (or a fresh key), conditionally
   * (never overwriting). Returns only once the segment is in S3 under the key
   * returned. When a write fails in a way that may still have written it (a
   * timeout, a lost reply, a 5xx), the key is settled: a conditional void is
   * written to it. If the void lands, the segment never can (its own write
   * would meet the void), so nothing was recorded; if the key is taken, it
   * holds either our bytes (written after all) or someone else's. Only when
   * S3 answers neither does the error say the outcome is unknown.
   */
  async append(ops: readonly ObservedOp[], at: Date, firstKey?: string): Promise<string> {
    const body = encodeSegment(ops);
    const writeDeadline = AbortSignal.timeout(this.budget.writeMs);
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt++) {
      const key = attempt === 1 && firstKey !== undefined ? firstKey : this.nextKey(at);
      const put = await this.put(key, body, {}, writeDeadline);
      if (put.kind === 'written') return key;
      if (put.kind === 'failed' && !put.maybeWritten) {
        throw new StoreUnavailableError('the segment could not be written', {
          cause: put.err,
          outcome: 'not-recorded',
        });
      }
      if (put.kind === 'clash') {
        // Our own earlier attempt (an SDK retry met it), or, unheard of with unique keys, another's.
        const owner = await this.owner(key, body);
        if (owner === 'ours') return key;
        if (owner === 'other') {
          log.warn('segment key clash, retrying with a new key', { key, attempt });
          continue;
        }
      }
      const settled = await this.settle(key, body);
      if (settled === 'ours') {
        log.warn('segment write failed but landed; acknowledged', { key });
        return key;
      }
      if (settled === 'unknown') {
        log.error('segment write outcome unknown: S3 did not answer a write or its void', { key });
        throw new StoreUnavailableError(`the outcome of writing segment ${key} is unknown`, {
          cause: put.kind === 'failed' ? put.err : undefined,
          outcome: 'unknown',
        });
      }
      if (put.kind === 'failed') {
        throw new StoreUnavailableError('the segment could not be written; its key was voided', {
          cause: put.err,
          outcome: 'not-recorded',
        });
      }
    }
    throw new StoreUnavailableError(`no free segment key after ${KEY_ATTEMPTS} attempts`, {
      outcome: 'not-recorded',
    });
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
        throw new StoreUnavailableError('the op id could not be recorded', {
          cause: err,
          outcome: 'not-recorded',
        });
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

  async read(key: string): Promise<RingEntry[]> {
    const found = isCompactedKey(key) ? await this.fetchBytes(key) : await this.fetch(key);
    if (found.kind === 'missing') {
      // Listed, then gone (compacted, expired, or deleted by an operator): nothing to apply.
      log.warn('listed segment is gone; skipped', { key });
    }
    return found.kind === 'text' ? replayObject(key, found.text) : [];
  }

  private async fetchBytes(
    key: string,
  ): Promise<{ kind: 'text'; text: Uint8Array } | { kind: 'missing' }> {
    const obj = await this.getObject(key);
    return obj === undefined ? { kind: 'missing' } : { kind: 'text', text: obj.body };
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
    const found = await this.fetch(key);
    return found.kind === 'text' ? found.text : undefined;
  }

  /** An object's text, or why there is none: missing, a void, or too large to read. */
  private async fetch(
    key: string,
  ): Promise<{ kind: 'text'; text: string } | { kind: 'missing' | 'void' | 'too-large' }> {
    return unavailableOnError(`reading ${key} failed`, async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
        );
        if (isVoid(res.Metadata)) return { kind: 'void' };
        const bytes = res.ContentLength ?? 0;
        if (bytes > MAX_SEGMENT_BYTES) {
          (res.Body as { destroy?: () => void } | undefined)?.destroy?.();
          log.warn('replay skipped a segment', {
            key,
            reason: `the segment is ${bytes} bytes; the limit is ${MAX_SEGMENT_BYTES}`,
          });
          return { kind: 'too-large' };
        }
        return { kind: 'text', text: (await res.Body?.transformToString('utf-8')) ?? '' };
      } catch (err: unknown) {
        if (errorName(err) === 'NoSuchKey') return { kind: 'missing' };
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
          ContentLength: Buffer.byteLength(body),
          ContentType: 'application/json',
        }),
      ),
    );
  }

  /**
   * Whether the segment `key` was written and still holds its ops: the
   * object itself (a void does not count), or, once its hour was compacted,
   * a line of the compacted hour that came from it.
   */
  private async exists(key: string): Promise<boolean> {
    const head = await this.head(key);
    if (head.kind === 'unknown') {
      throw new StoreUnavailableError(`checking ${key} failed`, { cause: head.err });
    }
    if (head.kind === 'found') return !head.void;
    const compacted = compactedKey(key.slice(0, key.lastIndexOf('/') + 1));
    const hour = await this.getObject(compacted);
    return hour !== undefined && replayObject(compacted, hour.body).some((e) => e.key === key);
  }

  /** One conditional PutObject, and whether a failed one may still have written. */
  private async put(
    key: string,
    body: string,
    metadata: Record<string, string>,
    deadline: AbortSignal,
  ): Promise<PutResult> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.prefix + key,
      Body: body,
      // Stated even for an empty void, which the SDK otherwise takes for a stream of unknown length.
      ContentLength: Buffer.byteLength(body),
      ContentType: 'application/x-ndjson',
      Metadata: metadata,
      IfNoneMatch: '*',
    });
    const attempts = watchAttempts(command);
    try {
      await this.client.send(command, { abortSignal: deadline });
      return { kind: 'written' };
    } catch (err: unknown) {
      if (isKeyClash(err)) return { kind: 'clash' };
      return { kind: 'failed', err, maybeWritten: attempts.maybeWrote() };
    }
  }

  /**
   * Makes sure a key whose write may or may not have landed ends up either
   * holding our bytes or never able to: writes a void to it, conditionally.
   */
  private async settle(key: string, body: string): Promise<'ours' | 'void' | 'unknown'> {
    const deadline = AbortSignal.timeout(this.budget.settleMs);
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS && !deadline.aborted; attempt++) {
      const put = await this.put(key, '', VOID_METADATA, deadline);
      if (put.kind === 'written') return 'void';
      if (put.kind === 'clash') {
        const owner = await this.owner(key, body);
        if (owner === 'ours') return 'ours';
        // A void (ours, from an attempt whose reply was lost) or another's object.
        if (owner === 'other') return 'void';
      }
    }
    return 'unknown';
  }

  /** Whose object a key holds: our exact bytes, other bytes, none, or unknown (S3 did not say). */
  private async owner(key: string, body: string): Promise<'ours' | 'other' | 'absent' | 'unknown'> {
    const head = await this.head(key);
    if (head.kind !== 'found') return head.kind;
    // Single-part PUTs to an SSE-S3 bucket have the MD5 of their bytes as ETag.
    const md5 = createHash('md5').update(body).digest('hex');
    return head.etag === md5 ? 'ours' : 'other';
  }

  /** What a HeadObject says of a key: found (its ETag, and whether it is a void), absent, or unknown. */
  private async head(
    key: string,
  ): Promise<
    | { kind: 'found'; etag: string; void: boolean }
    | { kind: 'absent' }
    | { kind: 'unknown'; err: unknown }
  > {
    try {
      const head = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        kind: 'found',
        etag: head.ETag?.replaceAll('"', '') ?? '',
        void: isVoid(head.Metadata),
      };
    } catch (err: unknown) {
      if (statusOf(err) === 404 || errorName(err) === 'NotFound') return { kind: 'absent' };
      return { kind: 'unknown', err };
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

/**
 * Watches each HTTP attempt of one command (below the SDK's retries) to tell
 * whether a failed write may have been written: false only when every
 * attempt was refused before it reached S3 or was answered with an error
 * that means S3 did not write it.
 */
function watchAttempts(command: PutObjectCommand): { maybeWrote: () => boolean } {
  let attempts = 0;
  let refused = 0;
  command.middlewareStack.add(
    (next) => async (args) => {
      attempts++;
      try {
        return await next(args);
      } catch (err: unknown) {
        if (neverWrote(err)) refused++;
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'observerWatchAttempts' },
  );
  // No attempt seen (a client that does not run middleware): assume the worst.
  return { maybeWrote: () => attempts === 0 || refused < attempts };
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

function neverWrote(err: unknown): boolean {
  const code =
    typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
  const status = statusOf(err);
  // S3 answered: a 4xx (but a request timeout) or a 503 Slow Down is a refusal; a 500 may not be.
  return (
    status !== undefined && ((status >= 400 && status < 500 && status !== 408) || status === 503)
  );
}

function isVoid(metadata: Record<string, string> | undefined): boolean {
  return metadata?.['observer-void'] !== undefined;
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

function statusOf(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null
    ? (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    : undefined;
}

function isKeyClash(err: unknown): boolean {
  const name = errorName(err);
  const status = statusOf(err);
  return (
    name === 'PreconditionFailed' ||
    name === 'ConditionalRequestConflict' ||
    status === 412 ||
    status === 409
  );
}
