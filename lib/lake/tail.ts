import type { Position } from '../domain/entry';
import { collect, mapLimit } from '../platform/concurrency';
import { decodeDropped } from '../ring/dropped';
import { compactedObjects } from '../storage/compacted-parts';
import {
  droppedKeyOf,
  isCompactedKey,
  keyFloor,
  partitionStart,
  previousPartition,
} from '../storage/keys';
import { replayObject } from '../storage/replay';
import type { SegmentStore } from '../storage/store';
import { latestCopies } from './entries';
import { type HourPlan, partsOf, readPlan } from './plan-doc';
import type { CompactionSettings } from './units';

/**
 * The receive time of the latest copy of each op id stored in the last
 * retry window of the hour before `partition`, whatever form it is in
 * (segments, compacted objects, their dropped copies): a copy of this hour
 * within the window of one is a retry. The window is at most an hour, so
 * nothing older can decide a copy of this hour.
 *
 * When the hour before is planned in parts, each of its parts must be
 * written first ('unwritten' until then; unless `waitForParts` is false):
 * its copies are then read from a few objects rather than from every
 * segment of its last window.
 * A segment listed and then gone was deleted by that hour's own
 * compaction, which wrote the compacted object holding it first: the
 * compacted objects are read after the segments, so none of its copies is
 * missed.
 */
export async function copiesBefore(
  store: SegmentStore,
  partition: string,
  settings: CompactionSettings,
  waitForParts = true,
): Promise<Map<string, number> | 'unwritten'> {
  const previous = previousPartition(partition);
  const from = (partitionStart(partition) as number) - settings.retryWindowMs;
  let plan = await readPlan(store, previous);
  if (waitForParts && plan && !(await allWritten(store, previous, plan))) return 'unwritten';
  const segments = (await collect(store.list(previous, keyFloor(from)))).filter(
    (k) => !isCompactedKey(k),
  );
  const copies: (Position & { id: string | undefined })[] = [];
  const bodies = await mapLimit(segments, settings.readConcurrency, (k) => store.getObject(k));
  bodies.forEach((object, i) => {
    if (object === undefined) return;
    for (const e of replayObject(segments[i] as string, object.body)) copies.push(withId(e));
  });
  // Read after the segments: a plan (and the parts) written since are seen.
  plan ??= await readPlan(store, previous);
  const objects = plan
    ? partsOf(plan)
        .filter((p) => p.to > from)
        .map((p) => p.key)
    : await compactedObjects(store, previous);
  const held = await mapLimit(objects, settings.readConcurrency, async (key) => ({
    entries: (await store.read(key)) ?? [],
    dropped: decodeDropped(await store.getDocument(droppedKeyOf(key)), key),
  }));
  for (const { entries, dropped } of held) {
    // One by one: a part holds up to 100,000 entries, too many to spread as arguments.
    for (const e of entries) copies.push(withId(e));
    for (const d of dropped) copies.push(d);
  }
  return latestCopies(copies);
}

const withId = (e: Position & { op: { id?: string } }) => ({
  key: e.key,
  line: e.line,
  id: e.op.id,
});

/** Whether every part of a plan is written. */
export async function allWritten(
  store: SegmentStore,
  partition: string,
  plan: HourPlan,
): Promise<boolean> {
  const present = new Set(await compactedObjects(store, partition));
  return partsOf(plan).every((p) => present.has(p.key));
}
