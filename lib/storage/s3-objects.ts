import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { StoreUnavailableError } from './errors';
import { isMissing, isVoid, statusOf, unavailableOnError } from './s3-errors';
import type { SizedKey } from './store';

/** What a GetObject found: the bytes, their version tag and whether they are a void; or nothing. */
export type GetResult =
  | { kind: 'found'; body: Uint8Array; etag: string; void: boolean }
  | { kind: 'missing' }
  | { kind: 'unchanged' }
  | { kind: 'too-large'; bytes: number };

/** What a HeadObject says of a key: found (ETag, metadata), absent, or unknown (S3 did not say). */
export type HeadResult =
  | { kind: 'found'; etag: string; metadata: Record<string, string>; void: boolean }
  | { kind: 'absent' }
  | { kind: 'unknown'; err: unknown };

/** How an object is written: its type, an optional condition, and metadata. */
export interface PutOptions {
  contentType: string;
  /** `absent`: only if the key holds nothing (If-None-Match: *); an ETag: only if it holds that version. */
  condition?: 'absent' | { etag: string };
  metadata?: Record<string, string>;
}

/**
 * The objects under one bucket and prefix, as S3 calls: the only place that
 * builds S3 commands. Keys are relative to the prefix. Reads and listings
 * throw StoreUnavailableError; a PUT's SDK error is thrown as it is, for
 * the caller to classify.
 */
export class S3Objects {
  constructor(
    readonly client: S3Client,
    readonly bucket: string,
    readonly prefix = '',
  ) {}

  /**
   * An object's bytes, unless it is missing, larger than `maxBytes` (then
   * left unread), or still the version `ifNoneMatch` names (S3 answers 304).
   */
  get(key: string, maxBytes = Number.POSITIVE_INFINITY, ifNoneMatch?: string): Promise<GetResult> {
    return unavailableOnError(`reading ${key} failed`, async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + key,
            ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}),
          }),
        );
        const bytes = res.ContentLength ?? 0;
        if (bytes > maxBytes) {
          (res.Body as { destroy?: () => void } | undefined)?.destroy?.();
          return { kind: 'too-large', bytes };
        }
        const body = (await res.Body?.transformToByteArray()) ?? new Uint8Array();
        return { kind: 'found', body, etag: res.ETag ?? '', void: isVoid(res.Metadata) };
      } catch (err: unknown) {
        if (isMissing(err)) return { kind: 'missing' };
        if (statusOf(err) === 304) return { kind: 'unchanged' };
        throw err;
      }
    });
  }

  /** What S3 says of a key, without reading it. */
  async head(key: string): Promise<HeadResult> {
    try {
      const res = await this.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        kind: 'found',
        etag: res.ETag ?? '',
        metadata: res.Metadata ?? {},
        void: isVoid(res.Metadata),
      };
    } catch (err: unknown) {
      if (isMissing(err)) return { kind: 'absent' };
      return { kind: 'unknown', err };
    }
  }

  /** The PutObject command for a write, to send with `send` (a caller may watch its attempts). */
  putCommand(key: string, body: string | Uint8Array, options: PutOptions): PutObjectCommand {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf-8') : Buffer.from(body);
    const condition = options.condition;
    return new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.prefix + key,
      // A Buffer, not a stream: local S3 servers store streamed bodies with their chunk framing.
      Body: bytes,
      // Stated even for an empty body, which the SDK otherwise takes for a stream of unknown length.
      ContentLength: bytes.length,
      ContentType: options.contentType,
      ...(options.metadata ? { Metadata: options.metadata } : {}),
      ...(condition === 'absent' ? { IfNoneMatch: '*' } : {}),
      ...(typeof condition === 'object' ? { IfMatch: condition.etag } : {}),
    });
  }

  /** Sends a PutObject and resolves to the ETag written; the SDK's error is thrown as it is. */
  async send(command: PutObjectCommand, signal?: AbortSignal): Promise<string> {
    const res = await this.client.send(command, signal ? { abortSignal: signal } : {});
    return res.ETag ?? '';
  }

  /** Writes an object and resolves to its ETag; the SDK's error is thrown as it is. */
  put(key: string, body: string | Uint8Array, options: PutOptions): Promise<string> {
    return this.send(this.putCommand(key, body, options));
  }

  /** Pages of keys under `prefix`, after `startAfter`, in ascending order. */
  async *list(prefix: string, startAfter?: string): AsyncIterable<string[]> {
    for await (const page of this.listSized(prefix, startAfter)) yield page.map((o) => o.key);
  }

  /** Pages of keys under `prefix`, after `startAfter`, in ascending order, with their sizes. */
  async *listSized(prefix: string, startAfter?: string): AsyncIterable<SizedKey[]> {
    let token: string | undefined;
    do {
      const page = await unavailableOnError('listing objects failed', () =>
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
      yield (page.Contents ?? []).map((o) => ({
        key: (o.Key ?? '').slice(this.prefix.length),
        size: o.Size ?? 0,
      }));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** Deletes the objects; resolves once every one is gone (an absent one counts as gone). */
  async delete(keys: readonly string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys, and answers 200 with per-key errors.
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const res = await unavailableOnError('deleting objects failed', () =>
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
}
