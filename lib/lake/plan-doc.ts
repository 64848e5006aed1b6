import { z } from 'zod';
import { parseJson } from '../platform/json';
import {
  compactedKey,
  HOUR_MS,
  OPS_ROOT,
  partitionStart,
  partKey,
  previousPartition,
} from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { CompactionError } from './lake-objects';

// The documents compaction keeps beside the lake, under `lake/compaction/`
// (outside `ops/`, so the Athena table never reads them): one plan per hour
// that is compacted in parts, and the manifest of hours that are done.

/**
 * How an hour partition is compacted: the first millisecond of each part's
 * key range, in order, the first being the hour's start, so the parts
 * cover the hour. `whole`: the hour has one compacted object for all of it,
 * as earlier versions wrote it, which stays its only part.
 */
export interface HourPlan {
  partition: string;
  starts: number[];
  whole: boolean;
}

/** One part of an hour: its key range [from, to) and the object that holds it. */
export interface Part {
  partition: string;
  from: number;
  to: number;
  key: string;
}

const PlanSchema = z.object({
  version: z.literal(1),
  partition: z.string(),
  starts: z.array(z.number().int()).min(1),
  whole: z.boolean(),
});

/** `lake/compaction/plans/YYYY/MM/DD/HH.json`: the plan of an hour partition. */
export function planKey(partition: string): string {
  if (partitionStart(partition) === undefined) {
    throw new RangeError(`not an hour partition: ${partition}`);
  }
  return `lake/compaction/plans/${partition.slice(OPS_ROOT.length, -1)}.json`;
}

/** The parts of a plan, in key order. */
export function partsOf(plan: HourPlan): Part[] {
  const end = (partitionStart(plan.partition) as number) + HOUR_MS;
  return plan.starts.map((from, i) => ({
    partition: plan.partition,
    from,
    to: plan.starts[i + 1] ?? end,
    key: plan.whole ? compactedKey(plan.partition) : partKey(plan.partition, from),
  }));
}

/** Whether `starts` cut `partition` into parts that cover it, in order. */
export function validStarts(partition: string, starts: readonly number[]): boolean {
  const start = partitionStart(partition);
  if (start === undefined || starts[0] !== start) return false;
  return starts.every((s, i) => s < start + HOUR_MS && (i === 0 || s > (starts[i - 1] as number)));
}

/** The plan of an hour, or undefined when it has none; a damaged one stops here. */
export async function readPlan(
  store: SegmentStore,
  partition: string,
): Promise<HourPlan | undefined> {
  const text = await store.getDocument(planKey(partition));
  if (text === undefined) return undefined;
  const parsed = PlanSchema.safeParse(parseJson(text));
  if (
    !parsed.success ||
    parsed.data.partition !== partition ||
    !validStarts(partition, parsed.data.starts) ||
    (parsed.data.whole && parsed.data.starts.length !== 1)
  ) {
    throw new CompactionError(`${planKey(partition)} is damaged; nothing changed`);
  }
  const { starts, whole } = parsed.data;
  return { partition, starts, whole };
}

/**
 * Writes an hour's plan unless it has one (If-None-Match), and resolves to
 * the plan that holds: this one, or the one another run wrote first.
 */
export async function writePlan(store: SegmentStore, plan: HourPlan): Promise<HourPlan> {
  const body = JSON.stringify({ version: 1, ...plan });
  try {
    await store.putObject(planKey(plan.partition), Buffer.from(body), null);
    return plan;
  } catch (err: unknown) {
    const winner = await readPlan(store, plan.partition).catch(() => undefined);
    if (winner === undefined) throw err;
    return winner;
  }
}

/** The hour partition before this one, and whether its plan, if any, is read. */
export async function previousPlan(
  store: SegmentStore,
  partition: string,
): Promise<{ partition: string; plan: HourPlan | undefined }> {
  const previous = previousPartition(partition);
  return { partition: previous, plan: await readPlan(store, previous) };
}
