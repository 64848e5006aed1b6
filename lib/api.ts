import { z } from 'zod';
import { HttpError } from './http';
import { describeIssues, MAX_OP_BYTES, type ObservedOp, parseOp } from './op';
import { MAX_HISTORY_HOURS } from './snapshot';

/** The op a request body carries, with defaults applied, or a 400/413 naming what is wrong. */
export function opFromBody(body: unknown, receivedAt: Date): ObservedOp {
  const result = parseOp(body, receivedAt);
  if (result.ok) return result.op;
  if ('tooLarge' in result) {
    throw new HttpError(
      413,
      `op is ${result.bytes} bytes serialized; the limit is ${MAX_OP_BYTES}`,
    );
  }
  throw new HttpError(400, `invalid op: ${describeIssues(result.issues)}`, {
    fields: result.issues,
  });
}

const HoursSchema = z.coerce
  .number({ error: 'hours must be a whole number' })
  .int({ error: 'hours must be a whole number' })
  .min(1, { error: 'hours must be at least 1' })
  .max(MAX_HISTORY_HOURS, { error: `hours must be at most ${MAX_HISTORY_HOURS}` })
  .default(24);

const CompactRequestSchema = z.looseObject({
  afterHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30)
    .optional(),
  lookbackHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 400)
    .optional(),
});

/** What a compact invocation asks for: a scheduled event asks for nothing (the defaults). */
export type CompactRequest = Pick<
  z.infer<typeof CompactRequestSchema>,
  'afterHours' | 'lookbackHours'
>;

/**
 * The overrides a hand-run compaction passes (`{"lookbackHours": 720}` to
 * catch up on a month); a scheduled event carries none. Anything else fails
 * the invocation, naming the field.
 */
export function compactRequest(event: unknown): CompactRequest {
  const parsed = CompactRequestSchema.safeParse(event ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(
      `invalid compact request: ${issue?.path.join('.') || '(event)'}: ${issue?.message ?? 'bad value'}`,
    );
  }
  const { afterHours, lookbackHours } = parsed.data;
  return {
    ...(afterHours !== undefined ? { afterHours } : {}),
    ...(lookbackHours !== undefined ? { lookbackHours } : {}),
  };
}

/** The `hours` query parameter of the history route: 1–168, default 24, or a 400. */
export function historyHours(query: Record<string, string | undefined> | undefined): number {
  const raw = query?.hours;
  const parsed = HoursSchema.safeParse(raw === undefined || raw === '' ? undefined : raw);
  if (!parsed.success) {
    throw new HttpError(400, `invalid query: ${parsed.error.issues[0]?.message ?? 'bad hours'}`);
  }
  return parsed.data;
}
