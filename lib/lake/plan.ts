import { mapLimit } from '../platform/concurrency';
import { COMPACT_SETTLE_MS } from '../platform/limits';
import { describeError, errorText, log } from '../platform/log';
import { compactedObjects } from '../storage/compacted-parts';
import {
  compactedFrom,
  compactedKey,
  HOUR_MS,
  hourPartition,
  hourPartitionsBack,
  isCompactedKey,
  keyTime,
  partitionStart,
} from '../storage/keys';
import type { SegmentStore, SizedKey } from '../storage/store';
import { readManifest, updateManifest } from './manifest';
import { type HourPlan, readPlan, writePlan } from './plan-doc';
import {
  type CompactionSettings,
  type CompactionUnit,
  type Dispatcher,
  partOf,
  partUnits,
} from './units';

/** How a planning run chooses its hours. */
export interface PlanOptions {
  /** The clock, ms since the epoch. */
  now: number;
  /** Only hours that closed at least this many hours ago (and at least COMPACT_SETTLE_MS ago) are compacted. */
  afterHours: number;
  /** How many such hours a run looks at, newest first. */
  lookbackHours: number;
}

/** What a planning run did. */
export interface PlanSummary {
  /** Hours in the look-back window. */
  hours: number;
  /** Hours looked at: those the manifest does not say are done, and the oldest, once more. */
  looked_at: number;
  /** Hours planned in parts by this run. */
  planned: number;
  /** Units dispatched. */
  parts_dispatched: number;
  seals_dispatched: number;
  /** Hours done after this run (the manifest's, and those found with nothing to compact). */
  done: number;
  /** Seconds since the end of the oldest closed hour not yet done (0: none). */
  oldest_pending_age_s: number;
  failed: { partition: string; error: string }[];
}

/**
 * The hour partitions a run looks at, newest first: `lookbackHours` of
 * them, the newest being the last hour that ended at least `afterHours`
 * hours (and at least COMPACT_SETTLE_MS) before `now`.
 */
export function partitionsToCompact(now: number, afterHours: number, lookbackHours: number) {
  const closedBy = now - Math.max(afterHours * HOUR_MS, COMPACT_SETTLE_MS);
  return hourPartitionsBack(closedBy - HOUR_MS, Math.max(0, lookbackHours - 1));
}

/**
 * Plans and dispatches: reads the manifest of done hours, then, for each
 * hour of the window it does not list (and for the oldest, which leaves
 * the window after this run, once more), plans the hour in parts when it
 * has no plan and dispatches them, dispatches the parts not written yet,
 * or, once all are, the hour's seal. An hour with no segment (empty, or
 * compacted whole by an earlier version) is marked done. Then the
 * manifest is written, holding the window's hours alone.
 */
export async function planRun(
  store: SegmentStore,
  dispatcher: Dispatcher,
  options: PlanOptions,
  settings: CompactionSettings,
): Promise<PlanSummary> {
  const hours = partitionsToCompact(options.now, options.afterHours, options.lookbackHours);
  const manifest = await readManifest(store);
  const oldest = hours.at(-1);
  const todo = hours.filter((h) => !manifest.done.has(h) || h === oldest);
  const summary: PlanSummary = {
    hours: hours.length,
    looked_at: todo.length,
    planned: 0,
    parts_dispatched: 0,
    seals_dispatched: 0,
    done: 0,
    oldest_pending_age_s: 0,
    failed: [],
  };
  const clean = new Set<string>();
  await mapLimit(todo, 4, async (partition) => {
    try {
      const step = await planHour(store, partition, manifest.done.has(partition), settings);
      if (step.clean) clean.add(partition);
      if (step.planned) summary.planned++;
      summary.parts_dispatched += step.units.filter((u) => u.kind === 'part').length;
      summary.seals_dispatched += step.units.filter((u) => u.kind === 'seal').length;
      await dispatcher.dispatch(step.units);
    } catch (err: unknown) {
      log.error('hour not planned; the next run retries it', { partition, ...describeError(err) });
      summary.failed.push({ partition, error: errorText(err) });
    }
  });
  const window = new Set(hours);
  const done = await updateManifest(store, (d) => keepWindow(d, window, clean));
  summary.done = hours.filter((h) => done.has(h)).length;
  summary.oldest_pending_age_s = pendingAge(options.now, oldest, done);
  return summary;
}

/** Adds the hours found clean and forgets those outside the window; false when nothing changed. */
function keepWindow(done: Set<string>, window: ReadonlySet<string>, clean: ReadonlySet<string>) {
  const before = [...done].sort().join();
  for (const h of clean) done.add(h);
  for (const h of [...done]) if (!window.has(h)) done.delete(h);
  return [...done].sort().join() !== before;
}

/** What one hour needs: the units to dispatch, and whether it is clean or was planned now. */
export interface HourStep {
  units: CompactionUnit[];
  clean: boolean;
  planned: boolean;
}

/**
 * What an hour needs now: a plan and its parts when it has none (nothing
 * when it has no segment: it is clean); the parts not written yet; or,
 * once all are, its seal. `wasDone`: the manifest says it is done, and it
 * is looked at once more (only segments found in it then matter).
 */
export async function planHour(
  store: SegmentStore,
  partition: string,
  wasDone: boolean,
  settings: CompactionSettings,
): Promise<HourStep> {
  const plan = await readPlan(store, partition);
  if (plan === undefined || wasDone) {
    // Cut page by page: an hour of millions of segments is never held in memory.
    const cutter = new PlanCutter(partition, settings);
    for await (const page of store.listSized(partition)) cutter.add(page);
    if (cutter.segments === 0) return { units: [], clean: true, planned: false };
    if (plan !== undefined) {
      // A done hour with segments again (a writer whose clock ran hours behind): its seal sorts them out.
      return { units: [{ kind: 'seal', partition }], clean: false, planned: false };
    }
    const written = await writePlan(store, cutter.plan());
    return { units: partUnits(written), clean: false, planned: true };
  }
  const present = new Set(await compactedObjects(store, partition));
  const missing = partUnits(plan).filter((u) => !present.has(partOf(u).key));
  const units: CompactionUnit[] = missing.length > 0 ? missing : [{ kind: 'seal', partition }];
  return { units, clean: false, planned: false };
}

/**
 * An hour's plan from its listing: the parts already written, when it has
 * some (a whole compacted hour stays whole); otherwise parts cut in key
 * order, each closed once it holds `partSegments` segments or would pass
 * `partBytes` bytes, and only between two milliseconds (a part's range
 * starts at a millisecond).
 */
export function cutPlan(
  partition: string,
  listed: readonly SizedKey[],
  settings: Pick<CompactionSettings, 'partSegments' | 'partBytes'>,
): HourPlan {
  const cutter = new PlanCutter(partition, settings);
  cutter.add(listed);
  return cutter.plan();
}

/** cutPlan over a listing taken page by page, holding only the cuts. */
class PlanCutter {
  /** Segments listed so far. */
  segments = 0;
  private readonly start: number;
  private readonly starts: number[];
  private readonly written = new Set<number>();
  private whole = false;
  private count = 0;
  private bytes = 0;
  private last: number;

  constructor(
    private readonly partition: string,
    private readonly settings: Pick<CompactionSettings, 'partSegments' | 'partBytes'>,
  ) {
    this.start = partitionStart(partition) as number;
    this.starts = [this.start];
    this.last = this.start;
  }

  add(page: readonly SizedKey[]): void {
    for (const { key, size } of page) {
      if (isCompactedKey(key)) {
        if (key === compactedKey(this.partition)) this.whole = true;
        const from = compactedFrom(key) as number;
        if (from > this.start) this.written.add(from);
        continue;
      }
      this.segments++;
      const ms = keyTime(key) as number;
      const full =
        this.count >= this.settings.partSegments || this.bytes + size > this.settings.partBytes;
      if (full && this.count > 0 && ms > this.last) {
        this.starts.push(ms);
        this.count = 0;
        this.bytes = 0;
      }
      this.count++;
      this.bytes += size;
      this.last = ms;
    }
  }

  plan(): HourPlan {
    const { partition, start } = this;
    if (this.whole) return { partition, starts: [start], whole: true };
    if (this.written.size > 0) {
      const written = [...this.written].sort((a, b) => a - b);
      return { partition, starts: [start, ...written], whole: false };
    }
    return { partition, starts: this.starts, whole: false };
  }
}

/** Seconds since the end of the oldest closed hour, down to `oldest`, that is not done (0: none). */
export function pendingAge(
  now: number,
  oldest: string | undefined,
  done: ReadonlySet<string>,
): number {
  if (oldest === undefined) return 0;
  const newest = partitionStart(hourPartition(new Date(now - HOUR_MS))) as number;
  const span = Math.round((newest - (partitionStart(oldest) as number)) / HOUR_MS);
  const closed = hourPartitionsBack(newest, Math.max(0, span));
  const pending = closed.filter((h) => !done.has(h)).at(-1);
  if (pending === undefined) return 0;
  return Math.max(0, Math.floor((now - ((partitionStart(pending) as number) + HOUR_MS)) / 1000));
}
