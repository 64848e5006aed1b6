import { log } from '../platform/log';
import { compactedObjects } from '../storage/compacted-parts';
import { droppedKeyOf, isCompactedKey, keyFloor, partitionAfter } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { countedEntries, mergeEntries, sameEntries } from './entries';
import {
  readCompacted,
  readDropped,
  readSegments,
  writeDropped,
  writeVerified,
} from './lake-objects';
import { partsOf } from './plan-doc';
import { type CompactionSettings, type Dispatcher, type PartUnit, partOf, planOf } from './units';

/** What one run of a part did. */
export interface PartResult {
  kind: 'part';
  partition: string;
  key: string;
  /** Segments merged into the part and then deleted. */
  segments: number;
  /** Ops the part holds. */
  ops: number;
  /** Whether the part was (re)written, or already held every op. */
  written: boolean;
  /** Segments left in place because a line of theirs cannot be read. */
  leftAlone: string[];
  /** Whether every part of the hour is written, so its seal was dispatched. */
  sealing: boolean;
}

/**
 * Merges the segments of one part's key range into the part's object,
 * then deletes them. Each step leaves a state every reader counts right,
 * so a run killed between any two loses nothing and a later run (or one
 * running at the same time) finishes the job:
 *
 * 1. list the range's segments;
 * 2. read the part's object, then its dropped copies (the reverse of the
 *    order they are written in), if any (a damaged one stops here);
 * 3. read the segments; one with an unreadable line is left alone;
 * 4. keep the copies that count among the part's own: a copy within the
 *    retry window after an earlier copy of its id in the part is a retry,
 *    and goes; the first copy of each id stays until the hour's seal
 *    decides it against the parts before it and the hour before;
 * 5. record the copies dropped, then, unless the object already holds
 *    exactly these ops, write it (only over the version read in 2) and
 *    read it back byte for byte;
 * 6. delete the segments it now holds;
 * 7. when every part of the hour is written, dispatch the hour's seal (and
 *    the next hour's, which decides its first copies against this hour).
 */
export async function compactPart(
  store: SegmentStore,
  unit: PartUnit,
  dispatcher: Dispatcher,
  settings: CompactionSettings,
): Promise<PartResult> {
  const part = partOf(unit);
  const segmentKeys = await rangeKeys(store, part.partition, part.from, part.to);
  const current = await readCompacted(store, part.key);
  const dropped = await readDropped(store, droppedKeyOf(part.key));
  const read = await readSegments(store, segmentKeys, settings.readConcurrency);
  const merged = countedEntries(
    mergeEntries(current.entries, read.entries),
    dropped.copies,
    new Map(),
    settings.retryWindowMs,
  );
  await writeDropped(store, droppedKeyOf(part.key), dropped, merged.dropped);
  const written = current.etag === null || !sameEntries(current.entries, merged.counted);
  if (written) await writeVerified(store, part.key, merged.counted, current.etag);
  if (read.done.length > 0) await store.deleteObjects(read.done);
  const sealing = await sealWhenWritten(store, unit, dispatcher);
  const result: PartResult = {
    kind: 'part',
    partition: part.partition,
    key: part.key,
    segments: read.done.length,
    ops: merged.counted.length,
    written,
    leftAlone: read.leftAlone,
    sealing,
  };
  log.info('part compacted', {
    ...result,
    left_alone: read.leftAlone.length,
    retries: merged.dropped.length,
  });
  return result;
}

/**
 * The segment keys of an hour stamped in [from, to), listed from `from`
 * and no further than `to` (compacted objects, which sort after every
 * segment of the hour, are not segments of any range).
 */
export async function rangeKeys(
  store: SegmentStore,
  partition: string,
  from: number,
  to: number,
): Promise<string[]> {
  const end = keyFloor(to);
  const keys: string[] = [];
  for await (const page of store.list(partition, keyFloor(from))) {
    for (const key of page) {
      if (key >= end) return keys;
      if (!isCompactedKey(key)) keys.push(key);
    }
  }
  return keys;
}

/** Dispatches the seals of this hour and the next once every part of this hour is written. */
async function sealWhenWritten(
  store: SegmentStore,
  unit: PartUnit,
  dispatcher: Dispatcher,
): Promise<boolean> {
  const present = new Set(await compactedObjects(store, unit.partition));
  if (!partsOf(planOf(unit)).every((p) => present.has(p.key))) return false;
  await dispatcher.dispatch([
    { kind: 'seal', partition: unit.partition },
    { kind: 'seal', partition: partitionAfter(unit.partition, 1) },
  ]);
  return true;
}
