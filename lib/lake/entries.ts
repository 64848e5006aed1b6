import { compareEntries, type RingEntry } from '../domain/entry';

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
 * The entries in log order with every later copy of an op id left out:
 * one stored before (`earlier`) or earlier in the list. Readers count the
 * first copy in log order; the compacted hour keeps the same one.
 */
export function firstCopies(
  entries: readonly RingEntry[],
  earlier: ReadonlySet<string> = new Set(),
): RingEntry[] {
  const seen = new Set(earlier);
  return entries.filter(({ op }) => {
    if (op.id === undefined) return true;
    if (seen.has(op.id)) return false;
    seen.add(op.id);
    return true;
  });
}

// JSON with object keys sorted, so field order does not matter.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
