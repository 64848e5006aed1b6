import type { RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { collect } from '../platform/concurrency';
import { log } from '../platform/log';
import { compactedObjects, holderOf } from '../storage/compacted-parts';
import { droppedKeyOf, isCompactedKey } from '../storage/keys';
import { decodeSegment } from '../storage/segment-codec';
import type { SegmentStore } from '../storage/store';
import { countedEntries, latestCopies, sameEntries } from './entries';
import { readCompacted, readDropped, writeDropped, writeVerified } from './lake-objects';
import { markDone } from './manifest';
import { type HourPlan, type Part, partsOf, readPlan } from './plan-doc';
import { copiesBefore } from './tail';
import { type CompactionSettings, type Dispatcher, partUnits } from './units';

/** What one seal of an hour did. */
export type SealResult =
  | {
      kind: 'seal';
      partition: string;
      status: 'sealed';
      /** Parts decided; those rewritten because a first copy of theirs was a retry. */
      parts: number;
      rewritten: number;
      /** Ops the hour's parts hold. */
      ops: number;
      /** Segments some part already held (a run killed before its deletes), deleted now. */
      leftovers: number;
    }
  | { kind: 'seal'; partition: string; status: 'waiting'; waitingFor: string }
  | { kind: 'seal'; partition: string; status: 'unplanned' };

/**
 * Seals an hour once every part of it is written (and every part of the
 * hour before, when that one is planned, unless `waitForParts` is false:
 * then the hour before is read in whatever form it is): decides each part, in key order,
 * by the rule of lib/domain/retries.ts against every copy before it (the
 * earlier parts' and the last retry window of the hour before), drops the
 * first copies that turn out to be retries (recorded first, then the part
 * rewritten over the version read), deletes segments a part already holds,
 * and marks the hour done in the manifest. A readable segment no part holds
 * (one that landed late) has its part dispatched again, and the hour waits.
 */
export async function sealHour(
  store: SegmentStore,
  partition: string,
  dispatcher: Dispatcher,
  settings: CompactionSettings,
  waitForParts = true,
): Promise<SealResult> {
  const plan = await readPlan(store, partition);
  if (plan === undefined) return { kind: 'seal', partition, status: 'unplanned' };
  const waiting = await unwritten(store, plan);
  if (waiting) return { kind: 'seal', partition, status: 'waiting', waitingFor: waiting };
  const before = await copiesBefore(store, partition, settings, waitForParts);
  if (before === 'unwritten') {
    return { kind: 'seal', partition, status: 'waiting', waitingFor: 'the hour before' };
  }
  let rewritten = 0;
  let ops = 0;
  const held = new Set<string>();
  for (const part of partsOf(plan)) {
    const decided = await decidePart(store, part, before, settings);
    if (decided.rewritten) rewritten++;
    ops += decided.entries.length;
    for (const c of [...decided.entries, ...decided.dropped]) held.add(c.key);
  }
  const stray = await tidy(store, plan, held, dispatcher);
  if (stray.late > 0) {
    return {
      kind: 'seal',
      partition,
      status: 'waiting',
      waitingFor: `${stray.late} late segments`,
    };
  }
  await markDone(store, partition);
  const result = { parts: plan.starts.length, rewritten, ops, leftovers: stray.leftovers };
  log.info('hour compacted', { partition, ...result });
  return { kind: 'seal', partition, status: 'sealed', ...result };
}

/** A part of the plan not written yet, named; undefined when every one is. */
async function unwritten(store: SegmentStore, plan: HourPlan): Promise<string | undefined> {
  const present = new Set(await compactedObjects(store, plan.partition));
  return partsOf(plan).find((p) => !present.has(p.key))?.key;
}

/**
 * Decides one part against `before` (the latest copy of each id before it,
 * which it then brings up to the end of the part), rewriting it when a
 * copy it counted is a retry.
 */
async function decidePart(
  store: SegmentStore,
  part: Part,
  before: Map<string, number>,
  settings: CompactionSettings,
): Promise<{ entries: RingEntry[]; dropped: DroppedCopy[]; rewritten: boolean }> {
  // The object, then its dropped copies: the reverse of the order they are written in.
  const object = await readCompacted(store, part.key);
  const had = await readDropped(store, droppedKeyOf(part.key));
  const decided = countedEntries(object.entries, had.copies, before, settings.retryWindowMs);
  const dropped = await writeDropped(store, droppedKeyOf(part.key), had, decided.dropped);
  const rewritten = !sameEntries(object.entries, decided.counted);
  if (rewritten) await writeVerified(store, part.key, decided.counted, object.etag);
  for (const [id, ms] of latestCopies([...object.entries.map(withId), ...dropped])) {
    if ((before.get(id) ?? Number.NEGATIVE_INFINITY) < ms) before.set(id, ms);
  }
  // Copies older than a retry window before the next part can make none of its copies a retry.
  for (const [id, ms] of before) if (ms < part.to - settings.retryWindowMs) before.delete(id);
  return { entries: decided.counted, dropped, rewritten };
}

const withId = (e: RingEntry) => ({ key: e.key, line: e.line, id: e.op.id });

/**
 * The hour's segments still stored: those a part holds (left by a run
 * killed before its deletes) are deleted; a readable one no part holds
 * (landed late) has its part dispatched again; one with an unreadable line
 * stays, as its part left it.
 */
async function tidy(
  store: SegmentStore,
  plan: HourPlan,
  held: ReadonlySet<string>,
  dispatcher: Dispatcher,
): Promise<{ leftovers: number; late: number }> {
  const segments = (await collect(store.list(plan.partition))).filter((k) => !isCompactedKey(k));
  const leftovers = segments.filter((k) => held.has(k));
  if (leftovers.length > 0) await store.deleteObjects(leftovers);
  const parts = partsOf(plan);
  const late = new Set<string>();
  for (const key of segments.filter((k) => !held.has(k))) {
    // A key stamped outside its own hour is in no part's range: foreign, and left alone.
    const holder = holderOf(
      parts.map((p) => p.key),
      key,
    );
    const object = holder === undefined ? undefined : await store.getObject(key);
    if (holder === undefined || object === undefined) continue;
    if (decodeSegment(Buffer.from(object.body).toString('utf-8')).skipped.length > 0) continue;
    late.add(holder);
  }
  const units = partUnits(plan).filter((u) => late.has(parts[u.index]?.key as string));
  if (units.length > 0) await dispatcher.dispatch(units);
  return { leftovers: leftovers.length, late: late.size };
}
