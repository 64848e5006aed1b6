import { compareEntries, type Position, type RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { countingCopies, type StoredCopy } from '../domain/retries';
import { copyOf } from '../ring/ring-state';

/**
 * The ops of an hour as one list in log order: the compacted object's ops,
 * replaced by a segment's own ops wherever that segment still exists.
 */
export function mergeEntries(
  compacted: readonly RingEntry[],
  segments: readonly RingEntry[],
): RingEntry[] {
  const fresh = new Set(segments.map((e) => e.key));
  return [...compacted.filter((e) => !fresh.has(e.key)), ...segments].sort(compareEntries);
}

/** True when both lists hold the same ops at the same keys and lines, field order aside. */
export function sameEntries(a: readonly RingEntry[], b: readonly RingEntry[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i] as RingEntry;
    return x.key === y.key && x.line === y.line && canonical(x.op) === canonical(y.op);
  });
}

/**
 * The entries of an hour (in log order) that count, and the copies of the
 * hour that are retries, as the rule of lib/domain/retries.ts decides over
 * the hour's entries, the copies already dropped from it (`dropped`, which
 * stay retries) and the receive time of the latest copy of each id in the
 * hour before (`before`). Every reader counts the same entries.
 */
export function countedEntries(
  entries: readonly RingEntry[],
  dropped: readonly DroppedCopy[],
  before: ReadonlyMap<string, number>,
  windowMs: number,
): { counted: RingEntry[]; dropped: DroppedCopy[] } {
  type Copy = StoredCopy & { id: string | undefined; entry?: RingEntry };
  const held = new Set(entries.map((e) => `${e.key}\n${e.line}`));
  const copies: Copy[] = [
    ...entries.map((entry) => ({ ...copyOf(entry), id: entry.op.id, entry })),
    // A dropped copy whose segment is still there (a run that crashed before deleting it) is one copy.
    ...dropped
      .filter((d) => !held.has(`${d.key}\n${d.line}`))
      .map((d) => ({ ...copyOf(d), id: d.id })),
  ].sort(compareEntries);
  const { counting, retries } = countingCopies(copies, windowMs, before);
  return {
    counted: counting.flatMap((c) => (c.entry ? [c.entry] : [])),
    dropped: retries.map((c) => ({ id: c.id as string, key: c.key, line: c.line })),
  };
}

/** The receive time of the latest copy of each op id among `copies` (entries or dropped copies). */
export function latestCopies(
  copies: Iterable<Position & { id: string | undefined }>,
): Map<string, number> {
  const latest = new Map<string, number>();
  for (const c of copies) {
    if (c.id === undefined) continue;
    const ms = copyOf(c).ms;
    if ((latest.get(c.id) ?? Number.NEGATIVE_INFINITY) < ms) latest.set(c.id, ms);
  }
  return latest;
}

// JSON with object keys sorted, so field order does not matter.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
