import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { parseStoredOp } from '../domain/op';
import { messageOf } from '../platform/log';
import { isCompactedKey, isSegmentKey } from './keys';
import { decodeLines, type SkippedLine } from './segment-codec';

/**
 * The field a compacted line adds to the op: where the op was first stored
 * (`segment`, `line`), and the op's own `_observer` field if it had one
 * (`own`), so the op reads back exactly as it was sent.
 */
export const ORIGIN_FIELD = '_observer';

/**
 * One line per op: the op's own fields, as in a segment, plus
 * `"_observer": {"segment": <original key>, "line": <index in it>}`. Every
 * op field stays a top-level column for Athena, and readers know which
 * segment each op came from, so an op found both here and in its segment
 * counts once. Entries are written in log order (key, then line).
 */
export function encodeCompacted(entries: readonly RingEntry[]): string {
  return entries
    .map(({ key, line, op }) => {
      const origin: Record<string, unknown> = { segment: key, line };
      if (op[ORIGIN_FIELD] !== undefined) origin.own = op[ORIGIN_FIELD];
      return `${JSON.stringify({ ...op, [ORIGIN_FIELD]: origin })}\n`;
    })
    .join('');
}

/**
 * Decodes compacted lines, corruption-tolerant like a segment: a line that
 * is not JSON, has no valid origin, or holds an invalid op is skipped and
 * reported (1-based line numbers); every other line applies.
 */
export function decodeCompacted(text: string): { entries: RingEntry[]; skipped: SkippedLine[] } {
  const { items, skipped } = decodeLines(text, toEntry);
  return { entries: items, skipped };
}

/** The compacted object's bytes: the lines, gzip-compressed (Athena reads `.gz` transparently). */
export function gzipCompacted(entries: readonly RingEntry[]): Buffer {
  return gzipSync(encodeCompacted(entries), { level: 9 });
}

/**
 * A compacted object's lines from its bytes. A truncated object yields the
 * lines before the cut (the last, partial one is then skipped as not JSON);
 * bytes that are not gzip at all yield an error.
 */
export function gunzipCompacted(
  body: Uint8Array,
): { entries: RingEntry[]; skipped: SkippedLine[] } | { error: string } {
  let text: string;
  try {
    text = gunzipSync(body, { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf-8');
  } catch (err: unknown) {
    return { error: `not gzip: ${messageOf(err)}` };
  }
  return decodeCompacted(text);
}

const OriginSchema = z.object({
  segment: z
    .string()
    .refine((k) => isSegmentKey(k) && !isCompactedKey(k), { error: 'is not a segment key' }),
  line: z.number().int({ error: 'is not a line number' }).nonnegative({
    error: 'is not a line number',
  }),
  own: z.unknown().optional(),
});

const LineSchema = z.looseObject({
  [ORIGIN_FIELD]: z.unknown().refine((v) => typeof v === 'object' && v !== null, {
    error: `no ${ORIGIN_FIELD} origin`,
  }),
});

function toEntry(value: unknown): RingEntry | string {
  const parsedLine = LineSchema.safeParse(value);
  if (!parsedLine.success) {
    return typeof value !== 'object' || value === null || Array.isArray(value)
      ? 'not a JSON object'
      : `no ${ORIGIN_FIELD} origin`;
  }
  const origin = OriginSchema.safeParse(parsedLine.data[ORIGIN_FIELD]);
  if (!origin.success) {
    const issue = origin.error.issues[0];
    return `${ORIGIN_FIELD}.${String(issue?.path[0] ?? 'origin')} ${issue?.message ?? 'is invalid'}`;
  }
  const { segment, line, own } = origin.data;
  // Rebuilt in the stored order, the op's own `_observer` (if any) back in its place;
  // built from entries (of the line as parsed), so a field named `__proto__` stays a field.
  const fields = Object.fromEntries(
    Object.entries(value as object).flatMap(([k, v]): [string, unknown][] =>
      k !== ORIGIN_FIELD ? [[k, v]] : own !== undefined ? [[k, own]] : [],
    ),
  );
  const op = parseStoredOp(fields);
  if (op === undefined) return 'not a valid op';
  return { key: segment, line, op };
}
