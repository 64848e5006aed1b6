import { createHash } from 'node:crypto';
import type { ObservedOp } from '../../lib/ingest/op';
import type { RingEntry } from '../../lib/ring/ring';
import { ConcurrentWriteError } from '../../lib/storage/errors';
import { isSegmentKey, segmentKey, uniqueSuffixes } from '../../lib/storage/keys';
import { replayObject } from '../../lib/storage/replay';
import { encodeSegment } from '../../lib/storage/segment-codec';
import type { SegmentStore, StoredObject } from '../../lib/storage/store';

/**
 * The segment store in memory, with the S3 store's key layout and replay
 * rules, and conditional writes as S3 does them.
 */
export class MemorySegmentStore implements SegmentStore {
  readonly objects = new Map<string, string | Uint8Array>();
  readonly calls = { append: 0, list: 0, read: 0 };
  /** Calls of the compaction port. */
  readonly compaction = { get: 0, put: 0, delete: 0 };
  private readonly nextUnique = uniqueSuffixes();

  async append(ops: readonly ObservedOp[], at: Date): Promise<string> {
    const key = segmentKey(at, this.nextUnique());
    this.calls.append++;
    this.objects.set(key, encodeSegment(ops));
    return key;
  }

  /** Puts raw text or bytes under a key, as a foreign or broken writer (or compaction) would. */
  putRaw(key: string, body: string | Uint8Array): void {
    this.objects.set(key, body);
  }

  async *list(prefix: string, startAfter = ''): AsyncIterable<string[]> {
    this.calls.list++;
    yield [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > startAfter && isSegmentKey(k))
      .sort();
  }

  async getDocument(key: string): Promise<string | undefined> {
    const body = this.objects.get(key);
    return typeof body === 'string' || body === undefined
      ? body
      : Buffer.from(body).toString('utf-8');
  }

  async putDocument(key: string, body: string): Promise<void> {
    this.objects.set(key, body);
  }

  async read(key: string): Promise<RingEntry[] | undefined> {
    this.calls.read++;
    const body = this.objects.get(key);
    return body === undefined ? undefined : replayObject(key, body);
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    this.compaction.get++;
    const body = this.objects.get(key);
    if (body === undefined) return undefined;
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    return { body: bytes, etag: etagOf(bytes) };
  }

  async putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<void> {
    this.compaction.put++;
    const existing = this.objects.get(key);
    const current = existing === undefined ? null : etagOf(Buffer.from(existing));
    if (current !== ifMatch) throw new ConcurrentWriteError(`${key} changed since it was read`);
    this.objects.set(key, Buffer.from(body));
  }

  async deleteObjects(keys: readonly string[]): Promise<void> {
    this.compaction.delete++;
    for (const key of keys) this.objects.delete(key);
  }
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
