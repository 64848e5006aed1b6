import type { S3Client } from '@aws-sdk/client-s3';
import type { RingEntry } from '../domain/entry';
import type { ObservedOp } from '../domain/op';
import { WRITE_BUDGET, type WriteBudget } from '../platform/limits';
import { log } from '../platform/log';
import { ConditionalWriter } from './conditional-write';
import { ConcurrentWriteError, StoreUnavailableError } from './errors';
import { isCompactedKey, isSegmentKey, segmentKey, uniqueSuffixes } from './keys';
import { replayObject } from './replay';
import { isKeyClash, unavailableOnError } from './s3-errors';
import { S3Objects } from './s3-objects';
import { encodeSegment, MAX_SEGMENT_BYTES } from './segment-codec';
import type { SegmentStore, SizedKey, StoredObject } from './store';

/** How many fresh keys a write tries when the key it picked already exists. */
const KEY_ATTEMPTS = 3;

/** The segment store on S3 (or any S3-compatible server). */
export class S3SegmentStore implements SegmentStore {
  private readonly objects: S3Objects;
  private readonly writer: ConditionalWriter;

  constructor(
    client: S3Client,
    bucket: string,
    prefix = '',
    private readonly nextUnique: () => string = uniqueSuffixes(),
    budget: WriteBudget = WRITE_BUDGET,
  ) {
    this.objects = new S3Objects(client, bucket, prefix);
    this.writer = new ConditionalWriter(this.objects, budget);
  }

  /**
   * Writes the ops as one new segment under a fresh key stamped `at`, never
   * overwriting, and returns its key once it is in S3; see ConditionalWriter
   * for how a write with no answer is settled before this returns or throws.
   */
  async append(ops: readonly ObservedOp[], at: Date): Promise<string> {
    const body = encodeSegment(ops);
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt++) {
      const key = segmentKey(at, this.nextUnique());
      if ((await this.writer.create(key, body, 'application/x-ndjson')) === 'written') return key;
      // Unheard of with unique keys: another writer's object holds this one.
      log.warn('segment key clash, retrying with a new key', { key, attempt });
    }
    throw new StoreUnavailableError(`no free segment key after ${KEY_ATTEMPTS} attempts`, {
      outcome: 'not-recorded',
    });
  }

  async *list(prefix: string, startAfter?: string): AsyncIterable<string[]> {
    for await (const page of this.objects.list(prefix, startAfter)) yield page.filter(isSegmentKey);
  }

  async *listSized(prefix: string, startAfter?: string): AsyncIterable<SizedKey[]> {
    for await (const page of this.objects.listSized(prefix, startAfter)) {
      yield page.filter((o) => isSegmentKey(o.key));
    }
  }

  listObjects(prefix: string): AsyncIterable<string[]> {
    return this.objects.list(prefix);
  }

  async read(key: string): Promise<RingEntry[] | undefined> {
    // A segment is one request's ops; a larger object is foreign, and left unread.
    const found = await this.objects.get(key, isCompactedKey(key) ? undefined : MAX_SEGMENT_BYTES);
    if (found.kind === 'missing' || found.kind === 'unchanged') return undefined;
    if (found.kind === 'too-large') {
      log.warn('replay skipped a segment', {
        key,
        reason: `the segment is ${found.bytes} bytes; the limit is ${MAX_SEGMENT_BYTES}`,
      });
      return [];
    }
    return found.void ? [] : replayObject(key, found.body);
  }

  async getDocument(key: string): Promise<string | undefined> {
    const found = await this.objects.get(key);
    if (found.kind !== 'found' || found.void) return undefined;
    return Buffer.from(found.body).toString('utf-8');
  }

  async putDocument(key: string, body: string): Promise<void> {
    await unavailableOnError(`writing ${key} failed`, () =>
      this.objects.put(key, body, { contentType: 'application/json' }),
    );
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    const found = await this.objects.get(key);
    return found.kind === 'found' ? { body: found.body, etag: found.etag } : undefined;
  }

  async getIfChanged(
    key: string,
    etag: string | undefined,
  ): Promise<StoredObject | 'unchanged' | undefined> {
    const found = await this.objects.get(key, undefined, etag);
    if (found.kind === 'unchanged') return 'unchanged';
    return found.kind === 'found' && !found.void
      ? { body: found.body, etag: found.etag }
      : undefined;
  }

  async putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<string> {
    try {
      return await this.objects.put(key, body, {
        contentType: key.endsWith('.gz') ? 'application/gzip' : 'application/json',
        condition: ifMatch === null ? 'absent' : { etag: ifMatch },
      });
    } catch (err: unknown) {
      if (isKeyClash(err)) throw new ConcurrentWriteError(`${key} changed since it was read`);
      throw new StoreUnavailableError(`writing ${key} failed`, { cause: err });
    }
  }

  deleteObjects(keys: readonly string[]): Promise<void> {
    return this.objects.delete(keys);
  }
}
