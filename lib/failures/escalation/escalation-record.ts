import { z } from 'zod';
import { limitParam, parseQuery, type QueryParams } from '../../domain/query';
import { collect, mapLimit } from '../../platform/concurrency';
import { parseJson } from '../../platform/json';
import { log } from '../../platform/log';
import { escalationMonthPrefix } from '../../storage/keys';
import type { SegmentStore } from '../../storage/store';
import { DeliveryAttemptSchema } from './escalation-delivery';
import { type EscalationPayload, EscalationPayloadSchema } from './escalation-payload';

/** One delivery round of an escalation, as stored under `escalations/YYYY/MM/DD/`. */
export const EscalationRecordSchema = z.object({
  id: z.string().describe("the escalation's id (the payload's `id`)"),
  round: z.number().int().min(1),
  cluster_id: z.string(),
  key: z.string().describe('where the record is stored (below the prefix)'),
  url: z.string().describe('the receiver: scheme, host and path (no credentials or query)'),
  signed: z.boolean(),
  claimed_at: z.string().describe('when the round was claimed (ISO 8601, UTC)'),
  outcome: z
    .enum(['sending', 'delivered', 'failed', 'rejected'])
    .describe('`sending` until the round ends (for ever if its function died meanwhile)'),
  finished_at: z.string().optional(),
  attempts: z.array(DeliveryAttemptSchema),
  payload: EscalationPayloadSchema.describe('the body POSTed'),
});
export type EscalationRecord = Omit<z.infer<typeof EscalationRecordSchema>, 'payload'> & {
  payload: EscalationPayload;
};

/** The most records one listing answers, and how many by default. */
export const ESCALATION_LIST_LIMITS = { default: 20, max: 100 } as const;

/** The query parameters of `GET /observer/escalations`; an unknown parameter is refused. */
export const EscalationsQuerySchema = z
  .strictObject({ limit: limitParam(ESCALATION_LIST_LIMITS.max).optional() })
  .transform(({ limit }) => ({ limit: limit ?? ESCALATION_LIST_LIMITS.default }));

/** The answer of `GET /observer/escalations`. */
export const EscalationsAnswerSchema = z.object({
  limit: z.number().int().min(1),
  escalations: z.array(EscalationRecordSchema).describe('newest first'),
});
export type EscalationsAnswer = z.infer<typeof EscalationsAnswerSchema>;

/** Months a listing walks back, the current one included. */
const LIST_MONTHS = 13;

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
): Promise<EscalationsAnswer['escalations']> {
  const keys: string[] = [];
  const at = new Date(now);
  for (let m = 0; m < LIST_MONTHS && keys.length < limit; m++) {
    const month = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - m, 1));
    const listed = (await collect(store.listObjects(escalationMonthPrefix(month)))).sort();
    keys.push(...listed.filter((k) => k.endsWith('.json')).reverse());
  }
  return readRecords(store, keys.slice(0, limit));
}

async function readRecords(
  store: SegmentStore,
  keys: readonly string[],
): Promise<EscalationsAnswer['escalations']> {
  const records = await mapLimit(keys, 8, async (key) => {
    const parsed = EscalationRecordSchema.safeParse(
      parseJson((await store.getDocument(key)) ?? ''),
    );
    if (parsed.success) return parsed.data;
    log.warn('escalation record unreadable; not listed', { key });
    return undefined;
  });
  return records.filter((r) => r !== undefined);
}

/**
 * The newest `limit` records of one cluster's or issue's escalations,
 * newest first, from the months since `since` (at most 13): the record
 * keys name the id, so only its records are read.
 */
export async function escalationsOf(
  store: SegmentStore,
  id: string,
  since: number,
  now: number,
  limit: number,
): Promise<EscalationsAnswer['escalations']> {
  const at = new Date(now);
  const from = new Date(since);
  const months = Math.min(
    LIST_MONTHS,
    (at.getUTCFullYear() - from.getUTCFullYear()) * 12 + at.getUTCMonth() - from.getUTCMonth() + 1,
  );
  const keys: string[] = [];
  for (let m = 0; m < Math.max(1, months) && keys.length < limit; m++) {
    const month = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() - m, 1));
    const listed = (await collect(store.listObjects(escalationMonthPrefix(month)))).sort();
    keys.push(...listed.filter((k) => ofSubject(k, id)).reverse());
  }
  return readRecords(store, keys.slice(0, limit));
}

/** Whether a record key names the subject: `…-<id>-r1.json`, or `…-<id>-<kind>-r1.json`. */
function ofSubject(key: string, id: string): boolean {
  const escaped = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`-${escaped}(?:-[a-z]+)?-r\\d+\\.json$`).test(key);
}

/** The query of the escalations route, or a 400 naming each bad (or unknown) parameter. */
export function escalationsQuery(query: QueryParams): { limit: number } {
  return parseQuery(EscalationsQuerySchema, query);
}
