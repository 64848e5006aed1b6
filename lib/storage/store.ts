import type { ObservedOp } from '../ingest/op';
import type { RingEntry } from '../ring/ring';

/**
 * The one port between the service and its storage: segments of ops under
 * `ops/`, documents (checkpoint, stats, markers) and whole objects for
 * compaction, addressed by keys relative to the configured prefix.
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
  /** An object's bytes and version tag, or undefined when there is none. */
  getObject(key: string): Promise<StoredObject | undefined>;
  /**
   * Writes an object whole, only if the key still holds the version `ifMatch`
   * names (or nothing, for null); a ConcurrentWriteError otherwise.
   */
  putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<void>;
  /** Deletes the objects; resolves once every one is gone (an absent one counts as gone). */
  deleteObjects(keys: readonly string[]): Promise<void>;
}

/** An object's bytes and the version tag (ETag) they were read at. */
export interface StoredObject {
  body: Uint8Array;
  etag: string;
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
    getObject: (key) => store.getObject(key),
    putObject: (key, body, ifMatch) => store.putObject(key, body, ifMatch),
    deleteObjects: (keys) => store.deleteObjects(keys),
    ...overrides,
  };
}
