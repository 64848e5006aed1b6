import { compareEntries, type RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { mapLimit } from '../platform/concurrency';
import { log } from '../platform/log';
import { decodeDroppedStrictly, encodeDropped } from '../ring/dropped';
import { gunzipCompacted, gzipCompacted } from '../storage/compacted-codec';
import { decodeSegment } from '../storage/segment-codec';
import type { SegmentStore, StoredObject } from '../storage/store';
import { sameEntries } from './entries';

// Reading and writing what compaction keeps: compacted objects, each read
// back byte for byte after it is written; the documents of the copies it
// dropped; and the segments it merges. Every write is conditional on the
// version read, so two runs at once never undo each other's work.

/** An object that cannot be compacted safely as it is; it is left for an operator. */
export class CompactionError extends Error {
  override name = 'CompactionError';
}

/** A compacted object as read: its entries and version (none: it does not exist yet). */
export interface HeldObject {
  entries: RingEntry[];
  etag: string | null;
}

/** A compacted object's entries and version; a damaged one stops here. */
export async function readCompacted(store: SegmentStore, key: string): Promise<HeldObject> {
  const found = await store.getObject(key);
  if (found === undefined) return { entries: [], etag: null };
  return { entries: decodeCompactedStrictly(key, found.body), etag: found.etag };
}

/** The copies dropped from a compacted object so far, and the version of their document (null: none yet). */
export interface HeldDropped {
  copies: DroppedCopy[];
  etag: string | null;
}

/** The document of dropped copies at `key`; a damaged one stops here. */
export async function readDropped(store: SegmentStore, key: string): Promise<HeldDropped> {
  const found = await store.getObject(key);
  if (found === undefined) return { copies: [], etag: null };
  const copies = decodeDroppedStrictly(Buffer.from(found.body).toString('utf-8'));
  if (copies === undefined) throw new CompactionError(`${key} is damaged; nothing changed`);
  return { copies, etag: found.etag };
}

/**
 * Records dropped copies (those held, and those found now) over the
 * version read, before anything is deleted; nothing is written when none
 * is new. Resolves to the copies now recorded.
 */
export async function writeDropped(
  store: SegmentStore,
  key: string,
  had: HeldDropped,
  found: readonly DroppedCopy[],
): Promise<DroppedCopy[]> {
  const all = new Map(had.copies.map((d) => [`${d.key}\n${d.line}`, d]));
  for (const d of found) all.set(`${d.key}\n${d.line}`, d);
  if (all.size === had.copies.length) return had.copies;
  const copies = [...all.values()].sort(compareEntries);
  await store.putObject(key, Buffer.from(encodeDropped(copies)), had.etag);
  return copies;
}

/** Writes a compacted object over the version read (or none), and reads it back byte for byte. */
export async function writeVerified(
  store: SegmentStore,
  key: string,
  entries: readonly RingEntry[],
  ifMatch: string | null,
): Promise<void> {
  const body = gzipCompacted(entries);
  const check = gunzipCompacted(body);
  if ('error' in check || !sameEntries(check.entries, entries)) {
    throw new CompactionError('the ops do not read back from the compacted encoding');
  }
  await store.putObject(key, body, ifMatch);
  const back = await store.getObject(key);
  if (back === undefined || !Buffer.from(back.body).equals(body)) {
    throw new CompactionError(`${key} did not read back as written; nothing deleted`);
  }
}

/** Segments as compaction reads them. */
export interface ReadSegments {
  /** The ops of the readable segments. */
  entries: RingEntry[];
  /** The readable segments, which the compacted object will hold. */
  done: string[];
  /** Segments with a line that cannot be read: deleting one would drop bytes a compacted object cannot carry. */
  leftAlone: string[];
}

/** Reads segments, `readConcurrency` at once; one deleted since its listing is passed over. */
export async function readSegments(
  store: SegmentStore,
  keys: readonly string[],
  readConcurrency: number,
): Promise<ReadSegments> {
  const read = await mapLimit(keys, readConcurrency, async (key) => ({
    key,
    object: await store.getObject(key),
  }));
  const out: ReadSegments = { entries: [], done: [], leftAlone: [] };
  for (const { key, object } of read) {
    if (object === undefined) continue; // deleted since the listing (by a run before this one)
    if (!addSegment(out, key, object)) {
      log.warn('segment left uncompacted: it has lines that cannot be read', { key });
    }
  }
  return out;
}

function addSegment(out: ReadSegments, key: string, object: StoredObject): boolean {
  const { ops, skipped } = decodeSegment(Buffer.from(object.body).toString('utf-8'));
  if (skipped.length > 0) {
    out.leftAlone.push(key);
    return false;
  }
  out.done.push(key);
  ops.forEach((op, line) => {
    out.entries.push({ key, line, op });
  });
  return true;
}

/** A compacted object's entries; one with any unreadable line is damaged, and stops compaction. */
export function decodeCompactedStrictly(key: string, body: Uint8Array): RingEntry[] {
  const decoded = gunzipCompacted(body);
  if ('error' in decoded) throw new CompactionError(`${key} is damaged: ${decoded.error}`);
  if (decoded.skipped.length > 0) {
    const first = decoded.skipped[0];
    throw new CompactionError(
      `${key} is damaged: ${decoded.skipped.length} unreadable lines (line ${first?.line}: ${first?.reason})`,
    );
  }
  return decoded.entries;
}
