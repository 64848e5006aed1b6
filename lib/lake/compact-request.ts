import { z } from 'zod';
import { COMPACT_LIMITS } from '../platform/limits';

const hours = (limits: { min: number; max: number }) =>
  z.number().int().min(limits.min).max(limits.max);

const CompactRequestSchema = z.looseObject({
  afterHours: hours(COMPACT_LIMITS.afterHours).optional(),
  lookbackHours: hours(COMPACT_LIMITS.lookbackHours).optional(),
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
