import { compareEntries, type Position, type RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { DEFAULT_RETRY_WINDOW_MS } from '../domain/retries';
import { collect, mapLimit } from '../platform/concurrency';
import { describeError, errorText, log } from '../platform/log';
import { decodeDropped, decodeDroppedStrictly, encodeDropped } from '../ring/dropped';
import { gunzipCompacted, gzipCompacted } from '../storage/compacted-codec';
import {
  compactedKey,
  HOUR_MS,
  hourPartitionsBack,
  isCompactedKey,
  previousPartition,
  retriesKey,
} from '../storage/keys';
import { replayObject } from '../storage/replay';
import { decodeSegment } from '../storage/segment-codec';
import type { SegmentStore } from '../storage/store';
import { countedEntries, latestCopies, mergeEntries, sameEntries } from './entries';

/** How a compaction run chooses its hours. */
export interface CompactionOptions {
  /** The clock, ms since the epoch. */
  now: number;
  /** Only hours that closed at least this many hours ago are compacted. */
  afterHours: number;
  /** How many such hours a run looks at, newest first. */
  lookbackHours: number;
  /** Segments fetched at once. */
  readConcurrency?: number;
  /** The retry window of lib/domain/retries.ts. */
  retryWindowMs?: number;
  /** Checked before each hour; true stops the run there (the function is about to time out). */
  outOfTime?: () => boolean;
}

/** What happened to one hour partition. */
export type PartitionResult =
  | { partition: string; status: 'clean'; leftAlone: string[] }
  | {
      partition: string;
      status: 'compacted';
      key: string;
      /** Segments merged into the compacted object and then deleted. */
      segments: number;
      /** Ops the compacted object holds. */
      ops: number;
      /** Whether the compacted object was (re)written, or already held every op. */
      written: boolean;
      /** Segments left in place because a line of theirs could not be read. */
      leftAlone: string[];
    }
  | { partition: string; status: 'failed'; error: string };

/** The outcome of a run over many hours. */
export interface CompactionSummary {
  partitions: number;
  compacted: number;
  segments_deleted: number;
  ops_compacted: number;
  left_alone: number;
  failed: { partition: string; error: string }[];
  stopped_early: boolean;
}

/** A partition that cannot be compacted safely as it is; it is left for an operator. */
export class CompactionError extends Error {
  override name = 'CompactionError';
}

/**
 * The hour partitions a run looks at, newest first: `lookbackHours` of
 * them, the newest being the last hour that closed at least `afterHours`
 * hours before `now`.
 */
export function partitionsToCompact(now: number, afterHours: number, lookbackHours: number) {
  return hourPartitionsBack(now - (afterHours + 1) * HOUR_MS, Math.max(0, lookbackHours - 1));
}

/**
 * Compacts every eligible hour (see `partitionsToCompact`), newest first.
 * A failed hour is logged and reported, and the run goes on with the next.
 */
export async function compactHours(
  store: SegmentStore,
  options: CompactionOptions,
): Promise<CompactionSummary> {
  const summary: CompactionSummary = {
    partitions: 0,
    compacted: 0,
    segments_deleted: 0,
    ops_compacted: 0,
    left_alone: 0,
    failed: [],
    stopped_early: false,
  };
  for (const partition of partitionsToCompact(
    options.now,
    options.afterHours,
    options.lookbackHours,
  )) {
    if (options.outOfTime?.()) {
      summary.stopped_early = true;
      log.warn('compaction stopped before the time limit; the next run goes on', { partition });
      break;
    }
    summary.partitions++;
    const result = await compactPartition(store, partition, {
      ...(options.readConcurrency ? { readConcurrency: options.readConcurrency } : {}),
      ...(options.retryWindowMs ? { retryWindowMs: options.retryWindowMs } : {}),
    });
    if (result.status === 'failed') {
      summary.failed.push({ partition, error: result.error });
      continue;
    }
    summary.left_alone += result.leftAlone.length;
    if (result.status === 'compacted') {
      summary.compacted++;
      summary.segments_deleted += result.segments;
      summary.ops_compacted += result.ops;
    }
  }
  return summary;
}

/** How one hour partition is compacted. */
export interface PartitionOptions {
  /** Segments fetched at once. */
  readConcurrency?: number;
  /** The retry window of lib/domain/retries.ts. */
  retryWindowMs?: number;
}

/**
 * Merges an hour's segments into its one compacted object, then deletes
 * them. Each step leaves a state every reader counts right, so a crash
 * between any two loses nothing and the next run finishes the job:
 *
 * 1. list the hour; nothing but the compacted object (or nothing) → done;
 * 2. read the compacted object and the copies dropped from the hour, if
 *    any (a damaged one stops here);
 * 3. read the segments; one with an unreadable line is left alone (an
 *    empty one holds nothing to keep, and is deleted with the others);
 * 4. keep the copies that count, as every reader counts them: a copy
 *    within the retry window after another copy of its id (in this hour
 *    or the one before) is a retry, and goes;
 * 5. record the retries dropped (written only over the version read),
 *    then, unless the compacted object already holds exactly these ops,
 *    write the merged list, conditionally (only over the version read in
 *    2), and read it back byte for byte;
 * 6. delete the segments it now holds.
 */
export async function compactPartition(
  store: SegmentStore,
  partition: string,
  options: PartitionOptions = {},
): Promise<PartitionResult> {
  const readConcurrency = options.readConcurrency ?? 16;
  try {
    const key = compactedKey(partition);
    const listed = await collect(store.list(partition));
    const segmentKeys = listed.filter((k) => !isCompactedKey(k));
    if (segmentKeys.length === 0) return { partition, status: 'clean', leftAlone: [] };

    const current = listed.includes(key) ? await store.getObject(key) : undefined;
    const compacted = current ? decodeCompactedStrictly(key, current.body) : [];
    const dropped = await readDropped(store, partition);
    const {
      entries: fresh,
      done,
      leftAlone,
    } = await readSegments(store, segmentKeys, readConcurrency);
    if (done.length === 0) return { partition, status: 'clean', leftAlone };
    const before = await copiesOfHour(store, previousPartition(partition), readConcurrency);
    const merged = countedEntries(
      mergeEntries(compacted, fresh),
      dropped.copies,
      before,
      options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS,
    );
    await writeDropped(store, partition, dropped, merged.dropped);
    const entries = merged.counted;
    const written = !sameEntries(compacted, entries);
    if (written) await writeVerified(store, key, entries, current?.etag ?? null);
    await store.deleteObjects(done);
    const result = { partition, key, segments: done.length, ops: entries.length, written };
    log.info('hour compacted', {
      ...result,
      left_alone: leftAlone.length,
      retries: merged.dropped.length,
    });
    return { ...result, status: 'compacted', leftAlone };
  } catch (err: unknown) {
    log.error('hour not compacted; the next run retries it', { partition, ...describeError(err) });
    return { partition, status: 'failed', error: errorText(err) };
  }
}

/** The copies dropped from an hour so far, and the version of their document (null: none yet). */
interface HourDropped {
  copies: DroppedCopy[];
  etag: string | null;
}

async function readDropped(store: SegmentStore, partition: string): Promise<HourDropped> {
  const key = retriesKey(partition);
  const found = await store.getObject(key);
  if (found === undefined) return { copies: [], etag: null };
  const text = Buffer.from(found.body).toString('utf-8');
  const copies = decodeDroppedStrictly(text);
  if (copies === undefined) throw new CompactionError(`${key} is damaged; nothing changed`);
  return { copies, etag: found.etag };
}

/** Records the hour's dropped retries (what was there, and those found now) before anything is deleted. */
async function writeDropped(
  store: SegmentStore,
  partition: string,
  had: HourDropped,
  found: readonly DroppedCopy[],
): Promise<void> {
  const all = new Map(had.copies.map((d) => [`${d.key}\n${d.line}`, d]));
  for (const d of found) all.set(`${d.key}\n${d.line}`, d);
  if (all.size === had.copies.length) return;
  const copies = [...all.values()].sort(compareEntries);
  await store.putObject(retriesKey(partition), Buffer.from(encodeDropped(copies)), had.etag);
}

/**
 * The ops of the readable segments, the segments they came from (`done`),
 * and those left alone because a line of theirs cannot be read: deleting
 * one would drop bytes the compacted object cannot carry.
 */
async function readSegments(
  store: SegmentStore,
  keys: readonly string[],
  readConcurrency: number,
): Promise<{ entries: RingEntry[]; done: string[]; leftAlone: string[] }> {
  const read = await mapLimit(keys, readConcurrency, async (key) => ({
    key,
    object: await store.getObject(key),
  }));
  const entries: RingEntry[] = [];
  const done: string[] = [];
  const leftAlone: string[] = [];
  for (const { key, object } of read) {
    if (object === undefined) continue; // deleted since the listing (by a run before this one)
    const { ops, skipped } = decodeSegment(Buffer.from(object.body).toString('utf-8'));
    if (skipped.length > 0) {
      leftAlone.push(key);
      log.warn('segment left uncompacted: it has lines that cannot be read', {
        key,
        skipped: skipped.length,
      });
      continue;
    }
    done.push(key);
    ops.forEach((op, line) => {
      entries.push({ key, line, op });
    });
  }
  return { entries, done, leftAlone };
}

/**
 * The receive time of the latest copy of each op id an hour partition
 * holds, in its segments, its compacted object and its dropped retries
 * alike: a copy of the next hour within the retry window of one is a
 * retry. A segment listed and then gone was deleted by that hour's own
 * compaction, which wrote the compacted object and the dropped retries
 * first: they are read after the segments, so none of its copies is missed.
 */
async function copiesOfHour(
  store: SegmentStore,
  partition: string,
  readConcurrency: number,
): Promise<Map<string, number>> {
  const segments = (await collect(store.list(partition))).filter((k) => !isCompactedKey(k));
  const objects = await mapLimit(segments, readConcurrency, (key) => store.getObject(key));
  const [compacted, dropped] = await Promise.all([
    store.read(compactedKey(partition)),
    store.getDocument(retriesKey(partition)),
  ]);
  const copies: (Position & { id: string | undefined })[] = [];
  objects.forEach((object, i) => {
    if (object === undefined) return;
    const key = segments[i] as string;
    for (const e of replayObject(key, object.body))
      copies.push({ key: e.key, line: e.line, id: e.op.id });
  });
  for (const e of compacted ?? []) copies.push({ key: e.key, line: e.line, id: e.op.id });
  for (const d of decodeDropped(dropped, retriesKey(partition))) copies.push(d);
  return latestCopies(copies);
}

/** Writes the compacted object over the version read (or none), and reads it back byte for byte. */
async function writeVerified(
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

function decodeCompactedStrictly(key: string, body: Uint8Array): RingEntry[] {
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
