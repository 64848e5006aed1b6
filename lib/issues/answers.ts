import { z } from 'zod';
import { StoredOpSchema } from '../domain/op';
import { limitParam } from '../domain/query';
import { EscalationRecordSchema } from '../failures/escalation/escalation-record';
import { parseJson } from '../platform/json';
import { ISSUE_STATUSES, PERSON_STATUSES } from './lifecycle';

const count = z.number().int().nonnegative();
const iso = z.string().describe('ISO 8601, UTC');

/** Who set an issue's status, when, and until when. */
export const ResolutionSchema = z
  .object({
    status: z.enum(PERSON_STATUSES),
    by: z.string().describe('the fingerprint of the key that set it (`open` without keys)'),
    at: iso,
    until: iso.optional().describe('muted until then (and until it escalates)'),
  })
  .describe('the status a person set, if any');

/** An issue as the list and its page give it. */
export const IssueSummarySchema = z.object({
  id: z.string().describe('stable: the endpoint and the template it was founded with, hashed'),
  endpoint: z.string(),
  template: z.string().describe('the error template, variable parts as <*>'),
  status: z.enum(ISSUE_STATUSES),
  count: count.describe('failed ops over all history (merged issues included), each counted once'),
  first_seen: iso,
  last_seen: iso,
  range: z
    .object({ count, share: z.number().min(0).max(1) })
    .describe('failures within since/until (all history without them), and their share of all'),
  sparkline: z
    .array(count)
    .length(24)
    .describe('failures per hour, the 24 hours to `until` (or now)'),
  trend: z.object({
    last_hour: count,
    baseline: z.number().describe('failures an hour held on average over its last 7 days'),
    rising: z.boolean().describe('the last hour is a significant rise (p < 0.01)'),
    score: z.number().describe('(last hour − baseline) ÷ √baseline'),
  }),
  resolution: ResolutionSchema.nullable(),
  merged_into: z.string().nullable(),
  regressed_at: iso.nullable().describe('the first failure after it was resolved'),
  escalating_since: iso.nullable(),
});
export type IssueSummary = z.infer<typeof IssueSummarySchema>;

/** Issues one page holds by default, and at most. */
export const ISSUE_LIST_LIMITS = { default: 50, max: 200 } as const;
export const ISSUE_SORTS = ['last_seen', 'count', 'trend'] as const;
export type IssueSort = (typeof ISSUE_SORTS)[number];

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

const statuses = z.string().transform((v, ctx) => {
  const names = v.split(',').map((s) => s.trim());
  const bad = names.filter((n) => !(ISSUE_STATUSES as readonly string[]).includes(n));
  if (bad.length === 0) return names as (typeof ISSUE_STATUSES)[number][];
  ctx.issues.push({
    code: 'custom',
    input: v,
    message: `must be one or more of ${ISSUE_STATUSES.join(', ')}, comma-separated`,
  });
  return z.NEVER;
});

/** Where a page of the list ends: its sort, and the last issue's sort value and id. */
const CursorSchema = z.tuple([z.enum(ISSUE_SORTS), z.number(), z.string()]);
export type IssueCursor = z.infer<typeof CursorSchema>;

const cursor = z.string().transform((v, ctx): IssueCursor => {
  const decoded = CursorSchema.safeParse(parseJson(Buffer.from(v, 'base64url').toString('utf-8')));
  if (decoded.success) return decoded.data;
  ctx.issues.push({ code: 'custom', input: v, message: 'is not a cursor this route gave' });
  return z.NEVER;
});

/** The query of `GET /observer/issues`; an unknown parameter is refused. */
export const IssuesQuerySchema = z
  .strictObject({
    status: statuses.optional().describe('comma-separated; merged issues only when asked for'),
    endpoint: text(513).optional().describe('the whole endpoint, or how it begins with a final *'),
    source: text(64).optional(),
    staffer: text(256).optional(),
    since: instant.optional().describe('failed at or after (by the hour)'),
    until: instant.optional().describe('failed before (by the hour)'),
    q: text(200).optional().describe('text the template holds (any case)'),
    sort: z
      .enum(ISSUE_SORTS, { error: `must be one of ${ISSUE_SORTS.join(', ')}` })
      .optional()
      .describe('last_seen (default), count, or trend: newest, most, most rising first'),
    limit: limitParam(ISSUE_LIST_LIMITS.max).optional(),
    cursor: cursor.optional(),
  })
  .refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
    error: 'must be later than since',
    path: ['until'],
  })
  .refine((q) => q.cursor === undefined || q.cursor[0] === (q.sort ?? 'last_seen'), {
    error: 'was given for another sort',
    path: ['cursor'],
  })
  .transform(({ limit, sort, ...rest }) => ({
    ...rest,
    sort: sort ?? 'last_seen',
    limit: limit ?? ISSUE_LIST_LIMITS.default,
  }));
export type IssuesQuery = z.output<typeof IssuesQuerySchema>;

/** The answer of `GET /observer/issues`. */
export const IssuesAnswerSchema = z.object({
  generated_at: iso,
  folded_to: iso.describe(
    'the log is folded up to this receive time; newer failures come from the ring',
  ),
  total: count.describe('issues that match the filters'),
  failures: count.describe('failures of those issues within since/until'),
  issues: z.array(IssueSummarySchema),
  next_cursor: z.string().nullable().describe('pass as `cursor` for the next page'),
});
export type IssuesAnswer = z.infer<typeof IssuesAnswerSchema>;

/** The hours of trend an issue's page shows by default, and at most. */
export const ISSUE_HOURS = { default: 48, max: 192 } as const;

/** The query of `GET /observer/issues/{id}`. */
export const IssueQuerySchema = z
  .strictObject({
    hours: limitParam(ISSUE_HOURS.max)
      .optional()
      .describe(`hours of hourly trend, to now (default ${ISSUE_HOURS.default})`),
  })
  .transform(({ hours }) => ({ hours: hours ?? ISSUE_HOURS.default }));

/** The path parameter of the issue routes. */
export const IssuePathSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-f]{16}(-\d+)?$/, { error: 'is not an issue id (16 hex digits)' })
    .describe('the issue id'),
});

const named = z.array(z.object({ name: z.string(), count }));

/** One sample op of an issue: where it was stored, and the op when it can be read. */
export const IssueSampleSchema = z.object({
  key: z.string(),
  line: count,
  received_at: iso,
  op: StoredOpSchema.optional(),
  omitted: z.enum(['not found', 'unreadable', 'too large']).optional(),
});

/** A transition the fold saw: into escalating or regressed. */
export const IssueTransitionSchema = z.object({
  id: z.string().describe('the escalation id its webhook is delivered under'),
  kind: z.enum(['escalating', 'regressed']),
  at: iso,
});

/** The answer of `GET /observer/issues/{id}`. */
export const IssueAnswerSchema = z.object({
  generated_at: iso,
  issue: IssueSummarySchema,
  forecast: z.object({
    window_minutes: count,
    current: count,
    baseline: z.number(),
    threshold: count,
  }),
  hours: count,
  hourly: z.array(z.object({ at: iso, count })).describe('failures per hour, oldest first'),
  daily: z.array(z.object({ at: iso, count })).describe('failures per day before those hours'),
  breakdowns: z.object({ endpoints: named, sources: named, staffers: named, roles: named }),
  samples: z.array(IssueSampleSchema).describe('the newest failed ops, newest first'),
  merged: z.array(z.string()).describe('issues merged into this one'),
  transitions: z.array(IssueTransitionSchema).describe('the last day’s, newest first'),
  escalations: z.array(EscalationRecordSchema).describe('its webhook deliveries, newest first'),
});
export type IssueAnswer = z.infer<typeof IssueAnswerSchema>;

/** The body of `POST /observer/issues/{id}`. */
export const IssueStatusRequestSchema = z
  .strictObject({
    status: z.enum(PERSON_STATUSES, {
      error: `must be one of ${PERSON_STATUSES.join(', ')}`,
    }),
    until: z.iso
      .datetime({ offset: true, error: 'must be an RFC 3339 timestamp' })
      .optional()
      .describe('muted only: until when (else until it escalates)'),
  })
  .refine((b) => b.until === undefined || b.status === 'muted', {
    error: 'is for muted only',
    path: ['until'],
  });

/** The body of `POST /observer/issues/{id}/merge`. */
export const IssueMergeRequestSchema = z.strictObject({
  into: IssuePathSchema.shape.id.describe('the issue to merge this one into'),
});

/** The answer of both POST routes: the issue as it is now. */
export const IssueChangeAnswerSchema = z.object({ issue: IssueSummarySchema });
