import { z } from 'zod';
import type { Position, RingEntry } from '../domain/entry';
import { parseStoredOp } from '../domain/op';
import type { DroppedCopy } from '../domain/retries';
import { parseJson } from '../platform/json';
import { COPIES_ROOT, isSegmentKey } from '../storage/keys';

// A checkpoint is the ring (what a reader needs to answer:
// ring/checkpoint.json) and the copies of op ids beside it (what a
// container needs to go on applying the log under the retry rule). The
// copies can be many (every id of the last retry window), so most of them
// live in a document of their own, written once a minute and never
// overwritten (ring/copies/<listing time>.json); the checkpoint names it
// and carries only the copies added since. A reader that only answers
// never reads the copies.

const segmentKeyString = z.string().refine(isSegmentKey, { error: 'not a segment key' });

const copyTuple = z.tuple([z.string(), segmentKeyString, z.number().int().nonnegative()]);

const storedEntry = z.object({
  key: segmentKeyString,
  line: z.number().int().nonnegative(),
  op: z.unknown(),
});

const CheckpointSchema = z.object({
  version: z.literal(2, { error: 'not a version 2 checkpoint' }),
  written_at: z.iso.datetime(),
  cap: z.number().int().positive(),
  /** When the listing the ring is current to began (ms since the epoch). */
  listed_at: z.number().int().nonnegative(),
  /** The newest segment key in the ring. */
  last_key: z.string().nullable(),
  op_count: z.number().int().nonnegative(),
  /**
   * Where the writer's knowledge of counted ops below its ring begins: every
   * one after it is in `reserve`. Null: the writer had read the log from its start.
   */
  below_floor: z.object({ key: z.string(), line: z.number().int() }).nullable(),
  /** The retry window the writer applied; its copies reach back that far. */
  window_ms: z.number().int().positive(),
  entries: z.array(storedEntry),
  /** The counted ops just older than the ring, oldest first: they refill it when a retry leaves it. */
  reserve: z.array(storedEntry),
  /** Keys the writer had applied that a refresh from its listing lists again, beside the entries' own. */
  applied: z.array(segmentKeyString),
  /** The copies document this checkpoint relies on. */
  copies_key: z.string().startsWith(COPIES_ROOT, { error: 'not a copies document' }),
  /** Copies added since that document, not ring or reserve entries, as [id, key, line]. */
  recent_copies: z.array(copyTuple),
});

const CopiesSchema = z.object({
  version: z.literal(1),
  /** The listing time of the state these copies were taken from. */
  listed_at: z.number().int().nonnegative(),
  /** Every copy of an op id the writer knew, as [id, key, line]. */
  copies: z.array(copyTuple),
});

/** A checkpoint read back: the state to seed a ring with and when it was listed. */
export interface Checkpoint {
  cap: number;
  listedAt: number;
  belowFloor: Position | null;
  windowMs: number;
  entries: RingEntry[];
  reserve: RingEntry[];
  /** Objects applied within the skew window of the listing, so a refresh from it does not read them again. */
  applied: string[];
  /** The copies document the checkpoint relies on (its own, when `copies` is given). */
  copiesKey: string;
  /** Copies added since that document: with it, every copy the writer knew beside its entries. */
  recentCopies: DroppedCopy[];
  /** The copies document itself, when it is written (or was read) with the checkpoint. */
  copies?: DroppedCopy[];
}

/** Serializes a ring state's checkpoint: the ring's entries (oldest first), its reserve, what it applied. */
export function encodeCheckpoint(checkpoint: Checkpoint, writtenAt: Date): string {
  const { entries } = checkpoint;
  return JSON.stringify({
    version: 2,
    written_at: writtenAt.toISOString(),
    cap: checkpoint.cap,
    listed_at: checkpoint.listedAt,
    last_key: entries.at(-1)?.key ?? null,
    op_count: entries.length,
    below_floor: checkpoint.belowFloor,
    window_ms: checkpoint.windowMs,
    entries: entries.map(stored),
    reserve: checkpoint.reserve.map(stored),
    applied: checkpoint.applied,
    copies_key: checkpoint.copiesKey,
    recent_copies: checkpoint.recentCopies.map(tupleOf),
  });
}

/** Serializes a copies document, tagged with the listing time of the state it was taken from. */
export function encodeCopies(listedAt: number, copies: readonly DroppedCopy[]): string {
  return JSON.stringify({ version: 1, listed_at: listedAt, copies: copies.map(tupleOf) });
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
  const entries = validEntries(doc.entries, 'entry');
  if ('error' in entries) return entries;
  const reserve = validEntries(doc.reserve, 'reserve entry');
  if ('error' in reserve) return reserve;
  return {
    cap: doc.cap,
    listedAt: doc.listed_at,
    belowFloor: doc.below_floor,
    windowMs: doc.window_ms,
    entries,
    reserve,
    applied: doc.applied,
    copiesKey: doc.copies_key,
    recentCopies: doc.recent_copies.map(copyOfTuple),
  };
}

/** Reads a copies document back, with the listing time it was taken at, or why not. */
export function decodeCopies(
  text: string,
): { listedAt: number; copies: DroppedCopy[] } | { error: string } {
  const parsed = CopiesSchema.safeParse(parseJson(text));
  if (!parsed.success) {
    return {
      error: `not the copies of a checkpoint: ${parsed.error.issues[0]?.message ?? 'unreadable'}`,
    };
  }
  return { listedAt: parsed.data.listed_at, copies: parsed.data.copies.map(copyOfTuple) };
}

const stored = (e: RingEntry) => ({ key: e.key, line: e.line, op: e.op });
const tupleOf = (c: DroppedCopy) => [c.id, c.key, c.line];
const copyOfTuple = ([id, key, line]: [string, string, number]): DroppedCopy => ({ id, key, line });

function validEntries(
  items: readonly { key: string; line: number; op: unknown }[],
  what: string,
): RingEntry[] | { error: string } {
  const entries: RingEntry[] = [];
  for (const [i, e] of items.entries()) {
    const op = parseStoredOp(e.op);
    if (op === undefined) return { error: `${what} ${i} is not a valid op` };
    entries.push({ key: e.key, line: e.line, op });
  }
  return entries;
}
