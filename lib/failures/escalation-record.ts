import { z } from 'zod';
import { HttpError } from '../http/errors';
import { collect, mapLimit } from '../platform/concurrency';
import { parseJson } from '../platform/json';
import { log } from '../platform/log';
import { escalationMonthPrefix } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import type { DeliveryAttempt, DeliveryResult } from './escalation-delivery';
import type { EscalationPayload } from './escalation-payload';

/** One delivery round of an escalation, as stored under `escalations/YYYY/MM/DD/`. */
export interface EscalationRecord {
  /** The escalation's id (the payload's `id`). */
  id: string;
  round: number;
  cluster_id: string;
  /** Where the record is stored (relative to the prefix). */
  key: string;
  /** The receiver: scheme, host and path only (no credentials or query). */
  url: string;
  signed: boolean;
  claimed_at: string;
  /** `sending` until the round ends (and for ever if its function died meanwhile). */
  outcome: 'sending' | DeliveryResult['outcome'];
  finished_at?: string;
  attempts: DeliveryAttempt[];
  payload: EscalationPayload;
}

/** The most records one listing answers, and how many by default. */
export const ESCALATION_LIST_LIMITS = { default: 20, max: 100 } as const;

/** Months a listing walks back, the current one included. */
const LIST_MONTHS = 13;

// Checked when read back: the fields a listing relies on, the rest kept as stored.
const StoredRecordSchema = z.looseObject({
  id: z.string(),
  round: z.number(),
  cluster_id: z.string(),
  key: z.string(),
  claimed_at: z.string(),
  outcome: z.string(),
  attempts: z.array(z.unknown()),
});

/** Writes a round's record whole (again when the round ends). */
export async function writeRecord(store: SegmentStore, record: EscalationRecord): Promise<void> {
  await store.putDocument(record.key, JSON.stringify(record));
}

/** A receiver URL without what may be secret in it: credentials and query. */
export function publicUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * The newest `limit` escalation records, newest first (by the time each
 * round was claimed), from the last 13 months. A record that cannot be
 * read as one is skipped with a warning.
 */
export async function listEscalations(
  store: SegmentStore,
  limit: number,
  now: number,
): Promise<Record<string, unknown>[]> {
  const keys: string[] = [];
  const at = new Date(now);
  for (let m = 0; m < LIST_MONTHS && keys.length < limit; m++) {
    const month = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - m, 1));
    const listed = (await collect(store.listObjects(escalationMonthPrefix(month)))).sort();
    keys.push(...listed.filter((k) => k.endsWith('.json')).reverse());
  }
  const records = await mapLimit(keys.slice(0, limit), 8, async (key) => {
    const parsed = StoredRecordSchema.safeParse(parseJson((await store.getDocument(key)) ?? ''));
    if (parsed.success) return parsed.data;
    log.warn('escalation record unreadable; not listed', { key });
    return undefined;
  });
  return records.filter((r) => r !== undefined);
}

const LimitSchema = z.coerce
  .number({ error: 'limit must be a whole number' })
  .int({ error: 'limit must be a whole number' })
  .min(1, { error: 'limit must be at least 1' })
  .max(ESCALATION_LIST_LIMITS.max, {
    error: `limit must be at most ${ESCALATION_LIST_LIMITS.max}`,
  })
  .default(ESCALATION_LIST_LIMITS.default);

/** The `limit` query parameter of the escalations route: 1–100, default 20, or a 400. */
export function escalationsLimit(query: Record<string, string | undefined> | undefined): number {
  const parsed = LimitSchema.safeParse(query?.limit);
  if (!parsed.success) {
    throw new HttpError(400, `invalid query: ${parsed.error.issues[0]?.message ?? 'bad limit'}`);
  }
  return parsed.data;
}
