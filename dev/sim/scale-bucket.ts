// An in-memory bucket for the compaction scale run of `npm run bench`: the
// segments of a steady ingest (one op each, `rate` a second, from `start`
// for `hours` hours) exist without being stored — a segment's key and
// bytes are made from its index when they are listed or read, and a
// deletion is one bit — so millions of segments fit in memory. An op holds
// only what the lake needs to place and count it (endpoint, outcome, time,
// source, id), so that the millions of them take minutes of CPU, not an
// hour; the requests are the same whatever an op holds. Every other
// object (compacted parts, documents) is kept as written. It answers the
// store port as S3 would: keys in order, pages of at most 1000, conditional
// writes on versions.
import type { RingEntry } from '../../lib/domain/entry';
import type { ObservedOp } from '../../lib/domain/op';
import { ConcurrentWriteError } from '../../lib/storage/errors';
import { HOUR_MS, hourPartition, partitionStart, segmentKey } from '../../lib/storage/keys';
import { replayObject } from '../../lib/storage/replay';
import { encodeSegment } from '../../lib/storage/segment-codec';
import type { SegmentStore, SizedKey, StoredObject } from '../../lib/storage/store';

const PAGE = 1000;
const UNIQUE = /-(\d{10})\.jsonl$/;

/** A steady ingest: which segments exist, and which of their ops are retries of an earlier one. */
export interface Ingest {
  start: number;
  hours: number;
  /** Segments a second. */
  rate: number;
  /** Every `retryEvery`-th segment is a retry of the op `retryLag` segments before it (0: none). */
  retryEvery: number;
  retryLag: number;
}

/** The op id segment `i` carries: its own, or for a retry, that of the segment it retries. */
export function idOf(ingest: Ingest, i: number): string {
  return `op-${isRetryIndex(ingest, i) ? i - ingest.retryLag : i}`;
}

/** Whether segment `i` is sent as a retry. */
export function isRetryIndex(ingest: Ingest, i: number): boolean {
  return (
    ingest.retryEvery > 0 &&
    i >= ingest.retryLag &&
    i % ingest.retryEvery === 37 % ingest.retryEvery
  );
}

/** The bucket of an ingest. */
export class ScaleBucket implements SegmentStore {
  readonly count: number;
  private readonly gone: Uint8Array;
  readonly objects = new Map<string, { body: Uint8Array; etag: string }>();
  private version = 0;

  constructor(readonly ingest: Ingest) {
    this.count = Math.round((ingest.hours * HOUR_MS * ingest.rate) / 1000);
    this.gone = new Uint8Array(this.count);
  }

  /** The receive time of segment `i`. */
  timeOf(i: number): number {
    return this.ingest.start + Math.floor((i * 1000) / this.ingest.rate);
  }

  keyOf(i: number): string {
    // Digits, as the hex a container's keys start with: every segment sorts before a part.
    return segmentKey(new Date(this.timeOf(i)), String(i).padStart(10, '0'));
  }

  /** The index of a segment key of this ingest, or undefined. */
  indexOf(key: string): number | undefined {
    const m = UNIQUE.exec(key);
    const i = m ? Number(m[1]) : Number.NaN;
    return i >= 0 && i < this.count && this.keyOf(i) === key ? i : undefined;
  }

  opOf(i: number): ObservedOp {
    return {
      endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
      success: i % 7 !== 0,
      timestamp: new Date(this.timeOf(i)).toISOString(),
      source: i % 3 === 0 ? 'scenario' : 'mcp',
      id: idOf(this.ingest, i),
    };
  }

  /** Whether segment `i` is still stored. */
  has(i: number): boolean {
    return this.gone[i] === 0;
  }

  async append(): Promise<string> {
    throw new Error('the scale bucket takes no new segments');
  }

  async *list(prefix: string, startAfter = ''): AsyncIterable<string[]> {
    for await (const page of this.listSized(prefix, startAfter)) yield page.map((o) => o.key);
  }

  async *listSized(prefix: string, startAfter = ''): AsyncIterable<SizedKey[]> {
    let page: SizedKey[] = [];
    for (const item of this.keysFrom(prefix, startAfter)) {
      page.push(item);
      if (page.length === PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** Keys under an hour partition (or a prefix of other objects) after `startAfter`, in order. */
  private *keysFrom(prefix: string, startAfter: string): Generator<SizedKey> {
    const start = partitionStart(prefix);
    if (start !== undefined) {
      const to = Math.min(this.count, this.firstAt(start + HOUR_MS));
      for (let i = this.firstAfter(startAfter, this.firstAt(start), to); i < to; i++) {
        if (this.gone[i] === 0) yield { key: this.keyOf(i), size: 300 };
      }
    }
    const others = [...this.objects.keys()].filter((k) => k.startsWith(prefix) && k > startAfter);
    for (const key of others.sort()) yield { key, size: this.objects.get(key)?.body.length ?? 0 };
  }

  /** The first segment received at or after `ms`. */
  private firstAt(ms: number): number {
    return Math.max(0, Math.ceil(((ms - this.ingest.start) * this.ingest.rate) / 1000));
  }

  /** The first index in [from, to) whose key sorts after `key` (keys sort as their indexes). */
  private firstAfter(key: string, from: number, to: number): number {
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keyOf(mid) > key) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  listObjects(prefix: string): AsyncIterable<string[]> {
    return this.list(prefix);
  }

  async read(key: string): Promise<RingEntry[] | undefined> {
    const found = await this.getObject(key);
    return found === undefined ? undefined : replayObject(key, found.body);
  }

  async getDocument(key: string): Promise<string | undefined> {
    const found = this.objects.get(key);
    return found === undefined ? undefined : Buffer.from(found.body).toString('utf-8');
  }

  async putDocument(key: string, body: string): Promise<void> {
    this.objects.set(key, { body: Buffer.from(body), etag: `"v${++this.version}"` });
  }

  async getObject(key: string): Promise<StoredObject | undefined> {
    const i = this.indexOf(key);
    if (i !== undefined) {
      if (this.gone[i] !== 0) return undefined;
      return { body: Buffer.from(encodeSegment([this.opOf(i)])), etag: `"s${i}"` };
    }
    const found = this.objects.get(key);
    return found === undefined ? undefined : { body: found.body, etag: found.etag };
  }

  async getIfChanged(key: string, etag: string | undefined) {
    const found = await this.getObject(key);
    if (found === undefined) return undefined;
    return found.etag === etag ? ('unchanged' as const) : found;
  }

  async putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<string> {
    const current = this.objects.get(key)?.etag ?? null;
    if (current !== ifMatch) throw new ConcurrentWriteError(`${key} changed since it was read`);
    const etag = `"v${++this.version}"`;
    this.objects.set(key, { body: Buffer.from(body), etag });
    return etag;
  }

  async deleteObjects(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      const i = this.indexOf(key);
      if (i !== undefined) this.gone[i] = 1;
      else this.objects.delete(key);
    }
  }

  /** The hour partitions of the ingest, oldest first. */
  partitions(): string[] {
    return Array.from({ length: this.ingest.hours }, (_, h) =>
      hourPartition(new Date(this.ingest.start + h * HOUR_MS)),
    );
  }
}
