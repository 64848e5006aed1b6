import { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { parseJson } from '../platform/json';
import { type Stats, StatsSchema } from '../ring/ring';
import { keyTime } from '../storage/keys';
import { ClusterDigestSchema } from './cluster-digest';

/** The longest history `GET /observer/stats/history` returns, in hours. */
export const MAX_HISTORY_HOURS = 168;

const count = z.number().int().nonnegative();

/**
 * A stats snapshot: the stats JSON plus when it was made and the ops it
 * covers. Read back from S3 as stored, other fields included.
 */
export const StatsSnapshotSchema = z.looseObject({
  ...StatsSchema.shape,
  tokens: StatsSchema.shape.tokens.optional().describe('absent from older snapshots'),
  generated_at: z.iso.datetime({ offset: true }),
  window: z
    .object({ from: z.string().nullable(), to: z.string().nullable(), ops: count })
    .describe('receive times of the oldest and newest op in the ring (null when empty), its ops'),
  clusters: z
    .array(ClusterDigestSchema)
    .optional()
    .describe('the largest failure clusters of the ring (absent from older snapshots)'),
  rate: z
    .object({ minute: z.string(), ops: count, failures: count })
    .optional()
    .describe(
      'ops and failed ops received in one minute (the last the issue fold has complete), ' +
        'counted from the log, each once (absent from older snapshots)',
    ),
});
export type StatsSnapshot = z.infer<typeof StatsSnapshotSchema>;

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

const HourSchema = z.object({ snapshots: z.array(StatsSnapshotSchema) });

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
