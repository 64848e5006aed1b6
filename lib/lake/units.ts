import { z } from 'zod';
import { DEFAULT_RETRY_WINDOW_MS } from '../domain/retries';
import { parseJson } from '../platform/json';
import { partitionStart } from '../storage/keys';
import { type HourPlan, type Part, partsOf, validStarts } from './plan-doc';

// The units of compaction work, which many invocations run at once: a part
// of an hour (merge the segments of one key range into its object), and
// the seal of an hour (decide its parts' copies against the parts before
// them and the hour before, then mark the hour done). A unit can run any
// number of times, at once or after a crash: each leaves a state every
// reader counts right.

/** Merge the segments of one part's key range into its object. */
export interface PartUnit {
  kind: 'part';
  partition: string;
  /** Every part's first millisecond, in order (the plan): this part's range, and what a sealed hour needs. */
  starts: number[];
  /** Which part: `starts[index]` up to the next start. */
  index: number;
  /** The hour is held by one object, as earlier versions wrote it. */
  whole: boolean;
}

/** Decide an hour's parts in key order, and mark the hour done. */
export interface SealUnit {
  kind: 'seal';
  partition: string;
}

export type CompactionUnit = PartUnit | SealUnit;

/** Where units go to be run: a queue, or this process. */
export interface Dispatcher {
  dispatch(units: readonly CompactionUnit[]): Promise<void>;
}

/** How units do their work. */
export interface CompactionSettings {
  /** The retry window of lib/domain/retries.ts. */
  retryWindowMs: number;
  /** Segments (or parts) read at once. */
  readConcurrency: number;
  /** The most segments a part is planned with. */
  partSegments: number;
  /** The most segment bytes a part is planned with. */
  partBytes: number;
}

/** The defaults: 100,000 segments or 64 MiB a part, 32 reads at once. */
export const DEFAULT_SETTINGS: CompactionSettings = {
  retryWindowMs: DEFAULT_RETRY_WINDOW_MS,
  readConcurrency: 32,
  partSegments: 100_000,
  partBytes: 64 * 1024 * 1024,
};

/** The settings with any of `overrides` that are set. */
export function settingsWith(overrides: Partial<CompactionSettings> = {}): CompactionSettings {
  const defined = Object.entries(overrides).filter(([, v]) => v !== undefined);
  return { ...DEFAULT_SETTINGS, ...Object.fromEntries(defined) };
}

/** The unit of each part of a plan. */
export function partUnits(plan: HourPlan): PartUnit[] {
  return plan.starts.map((_, index) => ({
    kind: 'part',
    partition: plan.partition,
    starts: plan.starts,
    index,
    whole: plan.whole,
  }));
}

/** The part a unit names. */
export function partOf(unit: PartUnit): Part {
  const plan = { partition: unit.partition, starts: unit.starts, whole: unit.whole };
  return partsOf(plan)[unit.index] as Part;
}

/** The plan a part unit carries. */
export function planOf(unit: PartUnit): HourPlan {
  return { partition: unit.partition, starts: unit.starts, whole: unit.whole };
}

const UnitSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('part'),
    partition: z.string(),
    starts: z.array(z.number().int()).min(1),
    index: z.number().int().nonnegative(),
    whole: z.boolean(),
  }),
  z.object({ kind: z.literal('seal'), partition: z.string() }),
]);

/** A unit as a message carries it. */
export function encodeUnit(unit: CompactionUnit): string {
  return JSON.stringify(unit);
}

/** The unit a message carries; a RangeError naming what is wrong with one that is not. */
export function decodeUnit(text: string): CompactionUnit {
  const parsed = UnitSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(
      `not a compaction unit: ${issue?.path.join('.') || '(message)'}: ${issue?.message}`,
    );
  }
  const unit = parsed.data;
  if (partitionStart(unit.partition) === undefined) {
    throw new RangeError(`not a compaction unit: not an hour partition: ${unit.partition}`);
  }
  if (
    unit.kind === 'part' &&
    (!validStarts(unit.partition, unit.starts) ||
      unit.index >= unit.starts.length ||
      (unit.whole && unit.starts.length !== 1))
  ) {
    throw new RangeError(`not a compaction unit: the parts of ${unit.partition} do not cover it`);
  }
  return unit;
}

/** A short name for logs: `part ops/…/21/ #3` or `seal ops/…/21/`. */
export function unitName(unit: CompactionUnit): string {
  return unit.kind === 'part' ? `part ${unit.partition} #${unit.index}` : `seal ${unit.partition}`;
}
