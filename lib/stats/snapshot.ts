import { z } from 'zod';
import { parseJson } from '../platform/json';
import type { RingEntry, Stats } from '../ring/ring';
import { keyTime } from '../storage/keys';
import { type ClusterDigest, ClusterDigestSchema } from './cluster-digest';

/** The longest history `GET /observer/stats/history` returns, in hours. */
export const MAX_HISTORY_HOURS = 168;

/** A stats snapshot: the stats JSON plus when it was made and the ops it covers. */
export interface StatsSnapshot extends Stats {
  generated_at: string;
  /** Receive times of the oldest and newest op in the ring, and how many ops it holds. */
  window: { from: string | null; to: string | null; ops: number };
  /** The largest failure clusters of the ring (absent from snapshots written before them). */
  clusters?: ClusterDigest[];
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

const count = z.number().int().nonnegative();

const SnapshotSchema = z.looseObject({
  generated_at: z.iso.datetime({ offset: true }),
  total: count,
  successes: count,
  failures: count,
  by_source: z.record(z.string(), count),
  recent_scenario_ops: z.array(
    z.object({
      ts: z.string(),
      ok: z.boolean(),
      staffer: z.string().optional(),
      kind: z.string().optional(),
      role: z.string().optional(),
    }),
  ),
  window: z.object({ from: z.string().nullable(), to: z.string().nullable(), ops: count }),
  clusters: z.array(ClusterDigestSchema).optional(),
});

const HourSchema = z.object({ snapshots: z.array(SnapshotSchema) });

/** The snapshots of an hour document, oldest first; an unreadable document has none. */
export function decodeHour(text: string | undefined): StatsSnapshot[] {
  if (text === undefined) return [];
  const parsed = HourSchema.safeParse(parseJson(text));
  return parsed.success ? parsed.data.snapshots : [];
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
