import type { RingEntry } from '../domain/entry';
import type { ObservedOp } from '../domain/op';

/**
 * The one port between the service and its storage: segments of ops under
 * `ops/`, documents (checkpoint, stats, markers) and whole objects for
 * compaction, addressed by keys relative to the configured prefix.
 */
export interface SegmentStore {
  /**
   * Writes the ops as one new segment stamped with their receive time `at`,
   * never overwriting, and returns its key once it is stored.
   */
  append(ops: readonly ObservedOp[], at: Date): Promise<string>;
  /** Pages of segment keys under `prefix`, after `startAfter`, in ascending order. */
  list(prefix: string, startAfter?: string): AsyncIterable<string[]>;
  /** The same pages as `list`, each key with its object's size in bytes. */
  listSized(prefix: string, startAfter?: string): AsyncIterable<SizedKey[]>;
  /** Pages of every key under `prefix` (segments or not), in ascending order. */
  listObjects(prefix: string): AsyncIterable<string[]>;
  /**
   * The ops a listed object holds, each with the segment key and line it was
   * first stored under: a segment's own ops, or every op of a compacted hour.
   * Malformed or invalid lines are skipped with a warning; undefined when
   * the object is gone (compacted, expired or deleted since it was listed).
   */
  read(key: string): Promise<RingEntry[] | undefined>;
  /** A document (checkpoint, stats snapshot) as text; undefined when there is none. */
  getDocument(key: string): Promise<string | undefined>;
  /** Writes a document whole, replacing the previous one in one step (or not at all). */
  putDocument(key: string, body: string): Promise<void>;
  /** An object's bytes and version tag, or undefined when there is none. */
  getObject(key: string): Promise<StoredObject | undefined>;
  /**
   * An object's bytes and version tag unless it still is the version `etag`
   * names ('unchanged', which costs S3 no transfer), or undefined when there
   * is none.
   */
  getIfChanged(
    key: string,
    etag: string | undefined,
  ): Promise<StoredObject | 'unchanged' | undefined>;
  /**
   * Writes an object whole, only if the key still holds the version `ifMatch`
   * names (or nothing, for null), and resolves to the version tag written;
   * a ConcurrentWriteError otherwise.
   */
  putObject(key: string, body: Uint8Array, ifMatch: string | null): Promise<string>;
  /** Deletes the objects; resolves once every one is gone (an absent one counts as gone). */
  deleteObjects(keys: readonly string[]): Promise<void>;
}

/** A listed key and the size of its object, in bytes. */
export interface SizedKey {
  key: string;
  size: number;
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
    append: (ops, at) => store.append(ops, at),
    list: (prefix, startAfter) => store.list(prefix, startAfter),
    listSized: (prefix, startAfter) => store.listSized(prefix, startAfter),
    listObjects: (prefix) => store.listObjects(prefix),
    read: (key) => store.read(key),
    getDocument: (key) => store.getDocument(key),
    putDocument: (key, body) => store.putDocument(key, body),
    getObject: (key) => store.getObject(key),
    getIfChanged: (key, etag) => store.getIfChanged(key, etag),
    putObject: (key, body, ifMatch) => store.putObject(key, body, ifMatch),
    deleteObjects: (keys) => store.deleteObjects(keys),
    ...overrides,
  };
}
