import { z } from 'zod';
import { parseStoredOp } from '../ingest/op';
import type { RingEntry, Stats } from '../ring/ring';
import { isSegmentKey, keyTime } from '../storage/keys';

/** The ring checkpoint: the last ≤ cap ops and the listing they run up to. */
export const CHECKPOINT_KEY = 'ring/checkpoint.json';

/** The newest stats snapshot. */
export const LATEST_STATS_KEY = 'stats/latest.json';

/** The longest history `GET /observer/stats/history` returns, in hours. */
export const MAX_HISTORY_HOURS = 168;

const pad = (n: number) => String(n).padStart(2, '0');
const datePath = (at: Date) =>
  `${at.getUTCFullYear()}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}`;

/** `stats/YYYY/MM/DD/HH/mm.json`: the snapshot of one minute. */
export function statsMinuteKey(at: Date): string {
  return `stats/${datePath(at)}/${pad(at.getUTCMinutes())}.json`;
}

/** `stats/hourly/YYYY/MM/DD/HH.json`: every snapshot of one hour, for the history route. */
export function statsHourKey(at: Date): string {
  return `stats/hourly/${datePath(at)}.json`;
}

/** A stats snapshot: the stats JSON plus when it was made and the ops it covers. */
export interface StatsSnapshot extends Stats {
  generated_at: string;
  /** Receive times of the oldest and newest op in the ring, and how many ops it holds. */
  window: { from: string | null; to: string | null; ops: number };
}

/** Builds the snapshot document of a ring's stats. */
export function statsSnapshot(
  stats: Stats,
  oldest: RingEntry | undefined,
  newest: RingEntry | undefined,
  generatedAt: Date,
): StatsSnapshot {
  const receivedAt = (e: RingEntry | undefined) => {
    const ms = e ? keyTime(e.key) : undefined;
    return ms === undefined ? null : new Date(ms).toISOString();
  };
  return {
    ...stats,
    generated_at: generatedAt.toISOString(),
    window: { from: receivedAt(oldest), to: receivedAt(newest), ops: stats.total },
  };
}

const SnapshotSchema = z.looseObject({
  generated_at: z.iso.datetime({ offset: true }),
  total: z.number(),
});

const HourSchema = z.object({ snapshots: z.array(SnapshotSchema) });

/** The snapshots of an hour document, oldest first; an unreadable document has none. */
export function decodeHour(text: string | undefined): StatsSnapshot[] {
  if (text === undefined) return [];
  const parsed = HourSchema.safeParse(safeJson(text));
  return parsed.success ? (parsed.data.snapshots as unknown as StatsSnapshot[]) : [];
}

/** Adds (or replaces) one minute's snapshot in an hour document, keeping time order. */
export function encodeHour(existing: StatsSnapshot[], snapshot: StatsSnapshot): string {
  const minute = snapshot.generated_at.slice(0, 16);
  const snapshots = existing
    .filter((s) => s.generated_at.slice(0, 16) !== minute)
    .concat(snapshot)
    .sort((a, b) => a.generated_at.localeCompare(b.generated_at));
  return JSON.stringify({ snapshots });
}

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
  const parsed = CheckpointSchema.safeParse(safeJson(text));
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
