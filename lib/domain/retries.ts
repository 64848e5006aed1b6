import type { Position } from './entry';

// The one rule for which copy of an op id counts, applied alike by a warm
// ring's refresh, both cold starts, the checkpoint and compaction (see
// docs/architecture.md, "Idempotency"):
//
//   A copy of an op id is a retry, and does not count, when another copy
//   of the same id was stored before it in log order less than the retry
//   window earlier (by the receive times stamped in their keys). Every
//   other copy counts.
//
// Whether a copy is a retry depends only on the copy just before it, never
// on whether that one counted, so it is a fact of the stored copies: a
// late copy can turn only the next copy of its id into a retry, and
// compaction, which drops retries, keeps a record of each it drops so that
// the fact survives it.

/** How long after a copy of an op id another copy is still a retry of it, by default: 10 minutes. */
export const DEFAULT_RETRY_WINDOW_MS = 10 * 60_000;

/** A stored copy of an op: its place in the log and its receive time (ms since the epoch). */
export interface StoredCopy extends Position {
  ms: number;
}

/** A copy of an op known only by its id and place, such as one compaction dropped as a retry. */
export interface DroppedCopy extends Position {
  id: string;
}

/** Whether `copy` is a retry, given the copy of its id just before it in log order (if any). */
export function isRetry(
  copy: Pick<StoredCopy, 'ms'>,
  previous: Pick<StoredCopy, 'ms'> | undefined,
  windowMs: number,
): boolean {
  return previous !== undefined && copy.ms - previous.ms < windowMs;
}

/**
 * Of `copies` (in log order, each with its op id), the ones that count:
 * those without an id, and those not stored within `windowMs` after the
 * copy of their id before them, whether in `copies` or the latest of
 * `before` (receive times of earlier copies by id, such as the hour before).
 */
export function countingCopies<T extends StoredCopy & { id: string | undefined }>(
  copies: readonly T[],
  windowMs: number,
  before: ReadonlyMap<string, number> = new Map(),
): { counting: T[]; retries: T[] } {
  const latest = new Map(before);
  const counting: T[] = [];
  const retries: T[] = [];
  for (const copy of copies) {
    if (copy.id === undefined) {
      counting.push(copy);
      continue;
    }
    const previous = latest.get(copy.id);
    (isRetry(copy, previous === undefined ? undefined : { ms: previous }, windowMs)
      ? retries
      : counting
    ).push(copy);
    latest.set(copy.id, copy.ms);
  }
  return { counting, retries };
}
