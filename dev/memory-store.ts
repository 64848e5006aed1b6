import { createHash } from 'node:crypto';
import type { RingEntry } from '../lib/domain/entry';
import type { ObservedOp } from '../lib/domain/op';
import { ConcurrentWriteError } from '../lib/storage/errors';
import { isSegmentKey, segmentKey, uniqueSuffixes } from '../lib/storage/keys';
import { replayObject } from '../lib/storage/replay';
import { encodeSegment } from '../lib/storage/segment-codec';
import type { SegmentStore, SizedKey, StoredObject } from '../lib/storage/store';

/** How many times each method of the store port was called. */
export type StoreCalls = Record<keyof SegmentStore, number>;

/** No call of any store method. */
export const NO_CALLS: Readonly<StoreCalls> = Object.freeze({
  append: 0,
  list: 0,
  listSized: 0,
  listObjects: 0,
  read: 0,
  getDocument: 0,
  putDocument: 0,
  getObject: 0,
  getIfChanged: 0,
  putObject: 0,
  deleteObjects: 0,
});

/**
 * The segment store in memory, with the S3 store's key layout and replay
 * rules, and conditional writes as S3 does them. `calls` counts every call
 * of every port method; `putRaw` (arranging a test) is not one.
 */
export class MemorySegmentStore implements SegmentStore {
  readonly objects = new Map<string, string | Uint8Array>();
  readonly calls: StoreCalls = { ...NO_CALLS };

  /** `nextUnique` names the segments `append` writes (a fixed container id makes a run repeatable). */
  constructor(private readonly nextUnique: () => string = uniqueSuffixes()) {}

  /** Sets every count in `calls` back to zero. */
  resetCalls(): void {
    Object.assign(this.calls, NO_CALLS);
  }

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
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > startAfter && isSegmentKey(k))
      .sort();
    // Pages of 1000 keys, as ListObjectsV2 answers.
    for (let i = 0; i < keys.length || i === 0; i += 1000) yield keys.slice(i, i + 1000);
  }

  async *listSized(prefix: string, startAfter = ''): AsyncIterable<SizedKey[]> {
    this.calls.listSized++;
    yield [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix) && k > startAfter && isSegmentKey(k))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, body]) => ({ key, size: Buffer.byteLength(body) }));
  }

  async *listObjects(prefix: string): AsyncIterable<string[]> {
    this.calls.listObjects++;
    yield [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async getDocument(key: string): Promise<string | undefined> {
    this.calls.getDocument++;
    const body = this.objects.get(key);
    return typeof body === 'string' || body === undefined
      ? body
      : Buffer.from(body).toString('utf-8');
  }

  async putDocument(key: string, body: string): Promise<void> {
    this.calls.putDocument++;
    this.objects.set(key, body);
  }

  async read(key: string): Promise<RingEntry[] | undefined> {
    this.calls.read++;
    const body = this.objects.get(key);
    return body === undefined ? undefined : replayObject(key, body);
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    this.calls.getObject++;
    const body = this.objects.get(key);
    if (body === undefined) return undefined;
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    return { body: bytes, etag: etagOf(bytes) };
  }

  async getIfChanged(
    key: string,
    etag: string | undefined,
  ): Promise<StoredObject | 'unchanged' | undefined> {
    this.calls.getIfChanged++;
    const body = this.objects.get(key);
    if (body === undefined) return undefined;
    const bytes = Buffer.from(body);
    const current = etagOf(bytes);
    return current === etag ? 'unchanged' : { body: bytes, etag: current };
  }

  async putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<string> {
    this.calls.putObject++;
    const existing = this.objects.get(key);
    const current = existing === undefined ? null : etagOf(Buffer.from(existing));
    if (current !== ifMatch) throw new ConcurrentWriteError(`${key} changed since it was read`);
    this.objects.set(key, Buffer.from(body));
    return etagOf(Buffer.from(body));
  }

  async deleteObjects(keys: readonly string[]): Promise<void> {
    this.calls.deleteObjects++;
    for (const key of keys) this.objects.delete(key);
  }
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
