import { z } from 'zod';
import type { DroppedCopy } from '../domain/retries';
import { parseJson } from '../platform/json';
import { log } from '../platform/log';
import { isSegmentKey } from '../storage/keys';

const DroppedSchema = z.object({
  version: z.literal(1),
  /** Each copy compaction dropped as a retry: [op id, segment key, line]. */
  dropped: z.array(
    z.tuple([
      z.string(),
      z.string().refine(isSegmentKey, { error: 'not a segment key' }),
      z.number().int().nonnegative(),
    ]),
  ),
});

/** The document of an hour's dropped retries. */
export function encodeDropped(dropped: readonly DroppedCopy[]): string {
  return JSON.stringify({ version: 1, dropped: dropped.map((d) => [d.id, d.key, d.line]) });
}

/** An hour's dropped retries, or undefined when the document does not read as one. */
export function decodeDroppedStrictly(text: string): DroppedCopy[] | undefined {
  const parsed = DroppedSchema.safeParse(parseJson(text));
  return parsed.success
    ? parsed.data.dropped.map(([id, key, line]) => ({ id, key, line }))
    : undefined;
}

/**
 * An hour's dropped retries, or none (with a warning naming the hour's
 * object when the document cannot be read: its retries then count as new).
 */
export function decodeDropped(text: string | undefined, hourKey: string): DroppedCopy[] {
  if (text === undefined) return [];
  const parsed = DroppedSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    log.warn('dropped retries of a compacted hour unreadable; ignored', {
      key: hourKey,
      reason: parsed.error.issues[0]?.message,
    });
    return [];
  }
  return parsed.data.dropped.map(([id, key, line]) => ({ id, key, line }));
}
