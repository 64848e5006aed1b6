import { z } from 'zod';
import type { RingEntry } from '../../domain/entry';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import { describeIssues, type FieldIssue, type ObservedOp } from '../../domain/op';
import { opFromBody } from '../../ingest/requests';
import { compactedObjects, holderOf } from '../../storage/compacted-parts';
import { isCompactedKey, isSegmentKey, partitionOf } from '../../storage/keys';
import type { SegmentStore } from '../../storage/store';
import type { ReviewTarget } from './review';

/** A review request: an op as sent, or where a stored op is (its segment key and line). */
export type ReviewRequest = { op: ObservedOp } | { ref: { key: string; line: number } };

const KEY_EXAMPLE = 'ops/2026/11/24/21/20261124T211503123Z-0a1b2c3d4e000000.jsonl';

/** A stored op named by its segment key and line. */
export const StoredOpRefSchema = z.strictObject({
  key: z
    .string({ error: 'is required and must be a string' })
    .max(1024, { error: 'must be at most 1024 characters' })
    .refine((k) => isSegmentKey(k) && !isCompactedKey(k), {
      error: `must be the segment key an op was stored under, such as ${KEY_EXAMPLE}`,
    }),
  line: z
    .number({ error: 'is required and must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be >= 0' }),
});

/**
 * Reads a review body: `{"key", "line"}` (and nothing else) names a stored
 * op; anything else is validated as an op, defaults applied. A 400 (or
 * 413) names what is wrong.
 */
export function reviewRequest(body: unknown, receivedAt: Date): ReviewRequest {
  if (!namesStoredOp(body)) return { op: opFromBody(body, receivedAt) };
  const parsed = StoredOpRefSchema.safeParse(body);
  if (parsed.success) return { ref: parsed.data };
  const fields: FieldIssue[] = parsed.error.issues.map((i) => ({
    field: i.path.length > 0 ? i.path.map(String).join('.') : '(body)',
    message: i.message,
  }));
  throw new InvalidInputError(`invalid review request: ${describeIssues(fields)}`, { fields });
}

/** A body without `endpoint` but with `key` or `line` names a stored op. */
function namesStoredOp(body: unknown): boolean {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  return (
    !Object.hasOwn(body, 'endpoint') && (Object.hasOwn(body, 'key') || Object.hasOwn(body, 'line'))
  );
}

/**
 * The op stored at `key` and `line`: from the ring when it holds it, else
 * from its segment, else (once compaction removed the segment) from the
 * compacted object of its hour that holds it. A 404 when none holds it.
 */
export async function findStoredOp(
  store: SegmentStore,
  entries: readonly RingEntry[],
  ref: { key: string; line: number },
): Promise<ReviewTarget> {
  const at = (e: RingEntry) => e.key === ref.key && e.line === ref.line;
  let found = entries.find(at);
  if (!found) {
    let held = await store.read(ref.key);
    if (held === undefined) {
      const holder = holderOf(await compactedObjects(store, partitionOf(ref.key)), ref.key);
      held = holder === undefined ? undefined : await store.read(holder);
    }
    found = held?.find(at);
  }
  if (!found) throw new NotFoundError(`no op is stored at ${ref.key} line ${ref.line}`);
  return { op: found.op, key: found.key, line: found.line };
}
