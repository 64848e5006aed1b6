import { errorText, log } from '../platform/log';
import type { SegmentStore } from '../storage/store';
import { readManifest } from './manifest';
import { compactPart, type PartResult } from './part';
import {
  type PlanOptions,
  type PlanSummary,
  partitionsToCompact,
  pendingAge,
  planHour,
  planRun,
} from './plan';
import { type SealResult, sealHour } from './seal';
import {
  type CompactionSettings,
  type CompactionUnit,
  type Dispatcher,
  settingsWith,
  unitName,
} from './units';

// Compaction runs as units of work (lib/lake/units.ts): a planning run
// dispatches the parts of each closed hour and their seals to a queue, and
// workers run them, many at once. This module runs them in one process
// instead: the compact function does when no queue is configured (npm
// start, invoke local), and so do tests, the simulation and the bench.

export { CompactionError } from './lake-objects';
export { partitionsToCompact };

/** What one unit did. */
export type UnitResult = PartResult | SealResult;

/** Runs one unit; it throws when it could not finish (its queue retries it). */
export function runUnit(
  store: SegmentStore,
  unit: CompactionUnit,
  dispatcher: Dispatcher,
  settings: CompactionSettings,
): Promise<UnitResult> {
  return unit.kind === 'part'
    ? compactPart(store, unit, dispatcher, settings)
    : sealHour(store, unit.partition, dispatcher, settings);
}

/** A unit run in this process: what it did, or why it failed. */
export type UnitOutcome =
  | { unit: CompactionUnit; result: UnitResult }
  | { unit: CompactionUnit; error: string };

/**
 * The queue of a run in one process: units are run in the order they were
 * dispatched, each once while it waits (the same unit dispatched again
 * before it ran is one), and a unit's own dispatches join the queue.
 */
export class InlineQueue implements Dispatcher {
  private readonly waiting: CompactionUnit[] = [];

  constructor(private readonly accept: (unit: CompactionUnit) => boolean = () => true) {}

  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    for (const unit of units) {
      const name = unitName(unit);
      if (this.accept(unit) && !this.waiting.some((u) => unitName(u) === name)) {
        this.waiting.push(unit);
      }
    }
  }

  /** Runs the queue out, or until `outOfTime` says so before a unit: then true. */
  async drain(
    run: (unit: CompactionUnit) => Promise<UnitResult>,
    outcomes: UnitOutcome[],
    outOfTime: () => boolean = () => false,
  ): Promise<boolean> {
    for (let unit = this.waiting.shift(); unit; unit = this.waiting.shift()) {
      if (outOfTime()) {
        log.warn('compaction stopped before the time limit; the next run goes on', {
          unit: unitName(unit),
        });
        return true;
      }
      try {
        outcomes.push({ unit, result: await run(unit) });
      } catch (err: unknown) {
        log.error('compaction unit failed; it is run again', {
          unit: unitName(unit),
          error: errorText(err),
        });
        outcomes.push({ unit, error: errorText(err) });
      }
    }
    return false;
  }
}

/** How a run in one process chooses its hours and does its work. */
export interface CompactionOptions extends PlanOptions, Partial<CompactionSettings> {
  /** Checked before each unit; true stops the run there (the function is about to time out). */
  outOfTime?: () => boolean;
}

/** The outcome of a run in one process. */
export interface CompactionSummary {
  /** Hours in the look-back window. */
  partitions: number;
  /** Hours sealed by this run. */
  compacted: number;
  /** Segments merged into parts (or found held by one) and deleted. */
  segments_deleted: number;
  /** Ops the hours sealed by this run hold. */
  ops_compacted: number;
  left_alone: number;
  failed: { partition: string; error: string }[];
  stopped_early: boolean;
  plan: PlanSummary;
}

/** Plans every eligible hour (see planRun) and runs the units in this process. */
export async function compactHours(
  store: SegmentStore,
  options: CompactionOptions,
): Promise<CompactionSummary> {
  const settings = settingsWith(options);
  const queue = new InlineQueue();
  const plan = await planRun(store, queue, options, settings);
  const outcomes: UnitOutcome[] = [];
  const stopped = await queue.drain(
    (unit) => runUnit(store, unit, queue, settings),
    outcomes,
    options.outOfTime,
  );
  const done = (await readManifest(store)).done;
  const hours = partitionsToCompact(options.now, options.afterHours, options.lookbackHours);
  plan.oldest_pending_age_s = pendingAge(options.now, hours.at(-1), done);
  return { ...summarize(outcomes), partitions: plan.hours, stopped_early: stopped, plan: plan };
}

function summarize(outcomes: readonly UnitOutcome[]) {
  const out = { compacted: 0, segments_deleted: 0, ops_compacted: 0, left_alone: 0 };
  const failed: { partition: string; error: string }[] = [];
  for (const o of outcomes) {
    if ('error' in o) {
      failed.push({ partition: o.unit.partition, error: `${unitName(o.unit)}: ${o.error}` });
    } else if (o.result.kind === 'part') {
      out.segments_deleted += o.result.segments;
      out.left_alone += o.result.leftAlone.length;
    } else if (o.result.status === 'sealed') {
      out.compacted++;
      out.ops_compacted += o.result.ops;
      out.segments_deleted += o.result.leftovers;
    }
  }
  return { ...out, failed };
}

/** What compacting one hour in this process did. */
export type PartitionResult =
  | {
      partition: string;
      status: 'clean' | 'compacted';
      /** Segments merged and deleted; ops the hour's parts hold (when sealed). */
      segments: number;
      ops: number;
      /** Whether a part was (re)written, or every part already held every op. */
      written: boolean;
      /** Whether the hour is sealed (done). */
      sealed: boolean;
      leftAlone: string[];
    }
  | { partition: string; status: 'failed'; error: string };

/**
 * Compacts one hour now, in this process: plans it (when it has no plan),
 * runs its parts, then its seal, which reads the hour before in whatever
 * form it is; an hour the manifest says is done is looked at for segments
 * that landed since. Units of other hours are left to their own runs.
 */
export async function compactPartition(
  store: SegmentStore,
  partition: string,
  options: Partial<CompactionSettings> = {},
): Promise<PartitionResult> {
  const settings = settingsWith(options);
  const queue = new InlineQueue((unit) => unit.partition === partition);
  const outcomes: UnitOutcome[] = [];
  try {
    const done = (await readManifest(store)).done.has(partition);
    const step = await planHour(store, partition, done, settings);
    if (step.clean) return { partition, status: 'clean', ...NOTHING };
    await queue.dispatch(step.units);
  } catch (err: unknown) {
    return { partition, status: 'failed', error: errorText(err) };
  }
  await queue.drain(
    (unit) =>
      unit.kind === 'part'
        ? compactPart(store, unit, queue, settings)
        : sealHour(store, unit.partition, queue, settings, false),
    outcomes,
  );
  const failure = outcomes.find((o) => 'error' in o);
  if (failure && 'error' in failure) return { partition, status: 'failed', error: failure.error };
  const summary = summarize(outcomes);
  const sealed = outcomes.some(
    (o) => 'result' in o && o.result.kind === 'seal' && o.result.status === 'sealed',
  );
  const parts = outcomes.flatMap((o) =>
    'result' in o && o.result.kind === 'part' ? [o.result] : [],
  );
  const leftAlone = parts.flatMap((p) => p.leftAlone);
  const written =
    parts.some((p) => p.written) ||
    outcomes.some(
      (o) =>
        'result' in o &&
        o.result.kind === 'seal' &&
        o.result.status === 'sealed' &&
        o.result.rewritten > 0,
    );
  return {
    partition,
    status: 'compacted',
    segments: summary.segments_deleted,
    ops: summary.ops_compacted,
    written,
    sealed,
    leftAlone,
  };
}

const NOTHING = { segments: 0, ops: 0, written: false, sealed: true, leftAlone: [] as string[] };
