import { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { parseStoredOp } from '../domain/op';
import { parseJson } from '../platform/json';
import { isSegmentKey } from '../storage/keys';

const CheckpointSchema = z.object({
  version: z.literal(1),
  written_at: z.iso.datetime(),
  cap: z.number().int().positive(),
  /** When the listing the ring is current to began (ms since the epoch). */
  listed_at: z.number().int().nonnegative(),
  /** The newest segment key in the ring. */
  last_key: z.string().nullable(),
  op_count: z.number().int().nonnegative(),
  /** Op ids applied lately, oldest first, so retries stay de-duplicated across cold starts. */
  recent_ids: z.array(z.string()).default([]),
  entries: z.array(
    z.object({
      key: z.string().refine(isSegmentKey, { error: 'not a segment key' }),
      line: z.number().int().nonnegative(),
      op: z.unknown(),
    }),
  ),
});

/** A checkpoint read back: the entries to seed a ring with and when they were listed. */
export interface Checkpoint {
  cap: number;
  listedAt: number;
  entries: RingEntry[];
  recentIds: string[];
}

/** Serializes the ring's entries (oldest first) as a checkpoint. */
export function encodeCheckpoint(
  entries: readonly RingEntry[],
  cap: number,
  listedAt: number,
  writtenAt: Date,
  recentIds: readonly string[] = [],
): string {
  return JSON.stringify({
    version: 1,
    written_at: writtenAt.toISOString(),
    cap,
    listed_at: listedAt,
    last_key: entries.at(-1)?.key ?? null,
    op_count: entries.length,
    recent_ids: recentIds,
    entries: entries.map((e) => ({ key: e.key, line: e.line, op: e.op })),
  });
}

/**
 * Reads a checkpoint back, all or nothing: a document that does not parse,
 * whose count does not match, or that holds one invalid op is refused with
 * the reason, so a cold start never trusts half a checkpoint.
 */
export function decodeCheckpoint(text: string): Checkpoint | { error: string } {
  const parsed = CheckpointSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    return { error: `not a checkpoint: ${parsed.error.issues[0]?.message ?? 'unreadable'}` };
  }
  const doc = parsed.data;
  if (doc.entries.length !== doc.op_count) {
    return { error: `holds ${doc.entries.length} ops but claims ${doc.op_count}` };
  }
  const entries: RingEntry[] = [];
  for (const [i, e] of doc.entries.entries()) {
    const op = parseStoredOp(e.op);
    if (op === undefined) return { error: `entry ${i} is not a valid op` };
    entries.push({ key: e.key, line: e.line, op });
  }
  return { cap: doc.cap, listedAt: doc.listed_at, entries, recentIds: doc.recent_ids };
}
