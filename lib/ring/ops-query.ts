import { z } from 'zod';
import { compareEntries, type RingEntry } from '../domain/entry';
import { type ObservedOp, StoredOpSchema } from '../domain/op';
import { limitParam } from '../domain/query';
import { parseJson } from '../platform/json';
import { isSegmentKey, keyTime } from '../storage/keys';

/** Ops one page holds by default, and at most. */
export const DEFAULT_OPS_LIMIT = 50;
export const MAX_OPS_LIMIT = 500;

/** Where an op was stored: its segment key and line. A page ends at one. */
export type Position = Pick<RingEntry, 'key' | 'line'>;

/** A parsed `GET /observer/ops` query. Times are receive times, ms since the epoch. */
export interface OpsQuery {
  success?: boolean;
  source?: string;
  /** The whole endpoint, or (`prefix`) how it begins. */
  endpoint?: { value: string; prefix: boolean };
  staffer_id?: string;
  event_kind?: string;
  /** The run: ops of this trace only. */
  trace_id?: string;
  /** Received at or after. */
  since?: number;
  /** Received before. */
  until?: number;
  limit: number;
  /** Only ops stored strictly before this position (older). */
  before?: Position;
}

/** One op of a page: as stored, with where and when it was received. */
export const OpsPageItemSchema = z.object({
  key: z.string().describe('the segment key the op was stored under'),
  line: z.number().int().nonnegative().describe('its line in that segment, from 0'),
  received_at: z.string().describe('when the service received it (ISO 8601, UTC), from the key'),
  op: StoredOpSchema,
});
export type OpsPageItem = Omit<z.infer<typeof OpsPageItemSchema>, 'op'> & { op: ObservedOp };

/** A page of ops, newest first; `next_cursor` is null on the last page. */
export const OpsPageSchema = z.object({
  ops: z.array(OpsPageItemSchema),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next (older) page'),
});
export interface OpsPage {
  ops: OpsPageItem[];
  next_cursor: string | null;
}

const text = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

const instant = z
  .string()
  .refine((v) => z.iso.datetime({ offset: true }).safeParse(v.toUpperCase()).success, {
    error: 'must be an RFC 3339 timestamp, such as 2026-11-24T21:00:00Z',
  })
  .transform((v) => Date.parse(v.toUpperCase()));

const CursorSchema = z.tuple([z.string().refine(isSegmentKey), z.number().int().nonnegative()]);

const cursor = z.string().transform((v, ctx): Position => {
  const decoded = CursorSchema.safeParse(parseJson(Buffer.from(v, 'base64url').toString('utf-8')));
  if (decoded.success) return { key: decoded.data[0], line: decoded.data[1] };
  ctx.issues.push({ code: 'custom', input: v, message: 'is not a cursor this route gave' });
  return z.NEVER;
});

/** The query parameters of `GET /observer/ops`; an unknown parameter is refused. */
export const OpsQuerySchema = z
  .strictObject({
    success: z
      .enum(['true', 'false'], { error: 'must be true or false' })
      .transform((v) => v === 'true')
      .optional(),
    source: text(64).optional(),
    endpoint: text(513)
      .transform((v) =>
        v.endsWith('*') ? { value: v.slice(0, -1), prefix: true } : { value: v, prefix: false },
      )
      .optional(),
    staffer_id: text(256).optional(),
    event_kind: text(256).optional(),
    trace_id: text(128).optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: limitParam(MAX_OPS_LIMIT).optional(),
    cursor: cursor.optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    error: 'must be later than since',
    path: ['until'],
  })
  .transform(
    ({ limit, cursor, ...filters }): OpsQuery => ({
      ...filters,
      limit: limit ?? DEFAULT_OPS_LIMIT,
      before: cursor,
    }),
  );

/** The opaque cursor of a position: base64url of `[key, line]`. */
export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.key, position.line])).toString('base64url');
}

/** When an entry was received: the time in its key (its own timestamp for a key without one). */
export function receivedAt(entry: RingEntry): number {
  return keyTime(entry.key) ?? Date.parse(entry.op.timestamp);
}

/**
 * One page of the entries (oldest first, as the ring holds them) that match
 * the query, newest first: at most `limit`, strictly older than `before`.
 * The cursor names the page's last op, so the next page continues below it
 * however the ring changes meanwhile.
 */
export function queryOps(entries: readonly RingEntry[], query: OpsQuery): OpsPage {
  const ops: OpsPageItem[] = [];
  for (let i = startBelow(entries, query.before) - 1; i >= 0; i--) {
    const entry = entries[i] as RingEntry;
    const at = receivedAt(entry);
    if (!inWindow(at, query) || !matches(entry.op, query)) continue;
    if (ops.length === query.limit) {
      return { ops, next_cursor: encodeCursor(ops[ops.length - 1] as OpsPageItem) };
    }
    const { key, line, op } = entry;
    ops.push({ key, line, received_at: new Date(at).toISOString(), op });
  }
  return { ops, next_cursor: null };
}

/** The index of the first entry at or after `before` (all of them without one). */
function startBelow(entries: readonly RingEntry[], before: Position | undefined): number {
  if (before === undefined) return entries.length;
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntries(entries[mid] as RingEntry, before) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function inWindow(at: number, query: OpsQuery): boolean {
  return (
    (query.since === undefined || at >= query.since) &&
    (query.until === undefined || at < query.until)
  );
}

function matches(op: ObservedOp, query: OpsQuery): boolean {
  const { endpoint } = query;
  if (query.success !== undefined && op.success !== query.success) return false;
  if (query.source !== undefined && op.source !== query.source) return false;
  if (query.staffer_id !== undefined && op.staffer_id !== query.staffer_id) return false;
  if (query.event_kind !== undefined && op.event_kind !== query.event_kind) return false;
  if (query.trace_id !== undefined && op.trace_id !== query.trace_id) return false;
  if (endpoint === undefined) return true;
  return endpoint.prefix ? op.endpoint.startsWith(endpoint.value) : op.endpoint === endpoint.value;
}
