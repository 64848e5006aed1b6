import type { ObservedOp } from '../ingest/op';
import { log } from '../platform/log';
import type { RingEntry } from '../ring/ring';
import { gunzipCompacted } from './compacted-codec';
import { isCompactedKey } from './keys';
import { decodeSegment } from './segment-codec';

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

/**
 * The same store with some operations replaced, for fault injection and
 * benchmarks: the rest still run against the real store (and the real
 * store's own calls between its methods are not redirected).
 */
export function storeView(store: SegmentStore, overrides: Partial<SegmentStore>): SegmentStore {
  return {
    nextKey: (at) => store.nextKey(at),
    append: (ops, at, key) => store.append(ops, at, key),
    claimId: (id, key) => store.claimId(id, key),
    list: (prefix, startAfter) => store.list(prefix, startAfter),
    read: (key) => store.read(key),
    getDocument: (key) => store.getDocument(key),
    putDocument: (key, body) => store.putDocument(key, body),
    ...overrides,
  };
}

/** Someone else wrote the object since it was read; nothing was written. */
export class ConcurrentWriteError extends Error {
  override name = 'ConcurrentWriteError';
}

/**
 * Storage could not take or give the data; the client may retry. For a
 * write, `outcome` says whether it is certain that nothing was recorded.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  readonly outcome: 'not-recorded' | 'unknown';

  constructor(message: string, options: ErrorOptions & { outcome?: 'unknown' } = {}) {
    super(message, options);
    this.outcome = options.outcome ?? 'not-recorded';
  }
}

/** Logs and drops what replay could not use; returns the ops that apply. */
export function replaySegment(key: string, text: string): ObservedOp[] {
  const { ops, skipped } = decodeSegment(text);
  for (const s of skipped)
    log.warn('replay skipped a line', { key, line: s.line, reason: s.reason });
  if (ops.length === 0 && skipped.length === 0) {
    log.warn('replay skipped a segment', { key, reason: 'the segment holds no lines' });
  }
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
