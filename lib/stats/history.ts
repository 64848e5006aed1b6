import { z } from 'zod';
import { parseQuery, type QueryParams } from '../domain/query';
import { mapLimit } from '../platform/concurrency';
import { HOUR_MS, statsHourKey } from '../storage/keys';
import type { SegmentStore } from '../storage/store';

/** How many times adding to an hour's document is tried while other runs change it. */
const HOUR_WRITE_ATTEMPTS = 5;

import { ConcurrentWriteError, StoreUnavailableError } from '../storage/errors';
import {
  decodeHour,
  encodeHour,
  MAX_HISTORY_HOURS,
  type StatsSnapshot,
  StatsSnapshotSchema,
} from './snapshot';

/** The stats snapshots of the `hours` hours before `now`, oldest first. */
export async function readHistory(
  store: SegmentStore,
  hours: number,
  now: number,
  concurrency = 16,
): Promise<StatsSnapshot[]> {
  // hours + 1 partitions: the oldest one is only partly inside the window.
  const keys = Array.from({ length: hours + 1 }, (_, i) =>
    statsHourKey(new Date(now - i * HOUR_MS)),
  );
  const perHour = await mapLimit(keys.reverse(), concurrency, async (key) =>
    decodeHour(await store.getDocument(key)),
  );
  const since = new Date(now - hours * HOUR_MS).toISOString();
  return perHour.flat().filter((s) => s.generated_at >= since);
}

/** The query of the history route: `hours`, 1–168, default 24; any other parameter is refused. */
export const HistoryQuerySchema = z.strictObject({
  hours: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_HISTORY_HOURS, { error: `must be at most ${MAX_HISTORY_HOURS}` })
    .default(24)
    .describe('how many hours back, counted from now'),
});

/** The history route's answer: the snapshots of the last `hours` hours, oldest first. */
export const HistoryAnswerSchema = z.object({
  hours: z.number().int().min(1).max(MAX_HISTORY_HOURS),
  snapshots: z.array(StatsSnapshotSchema),
});
export type HistoryAnswer = z.infer<typeof HistoryAnswerSchema>;

/**
 * The `hours` query parameter of the history route: 1–168, default 24. A
 * bad value or an unknown parameter (`hour` for `hours`) is an
 * InvalidInputError naming each field, as every route's query is.
 */
export function historyHours(query: QueryParams): number {
  return parseQuery(HistoryQuerySchema, query).hours;
}

/**
 * Adds a minute's snapshot to its hour's history document with a
 * conditional write (over the version read, or onto no document), read
 * again and retried when another run changed it meanwhile: overlapping
 * snapshot runs never drop each other's minutes.
 */
export async function addToHour(
  store: SegmentStore,
  key: string,
  snapshot: StatsSnapshot,
): Promise<void> {
  for (let attempt = 1; attempt <= HOUR_WRITE_ATTEMPTS; attempt++) {
    const current = await store.getObject(key);
    const text = current ? Buffer.from(current.body).toString('utf-8') : undefined;
    const body = Buffer.from(encodeHour(decodeHour(text), snapshot));
    try {
      await store.putObject(key, body, current?.etag ?? null);
      return;
    } catch (err: unknown) {
      if (!(err instanceof ConcurrentWriteError)) throw err;
    }
  }
  throw new StoreUnavailableError(`${key} changed at every attempt; this minute is not in it`);
}
