import { collect } from '../platform/concurrency';
import { compactedFloor, compactedFrom, isCompactedKey, keyFloor, keyTime } from './keys';
import type { SegmentStore } from './store';

// An hour's compacted objects and the key ranges they hold. A part holds
// the segments of its hour stamped from its own first millisecond up to the
// next part's (the last part: to the end of the hour); a whole compacted
// hour, as earlier versions wrote it, holds every segment of its hour.

/** The compacted objects of an hour partition, in key order: one listing, of them alone. */
export async function compactedObjects(store: SegmentStore, partition: string): Promise<string[]> {
  const keys = await collect(store.list(partition, compactedFloor(partition)));
  return keys.filter(isCompactedKey);
}

/**
 * Of an hour's compacted objects, the one whose key range holds `segment`
 * (a segment key of that hour): the last to start at or before its stamp.
 */
export function holderOf(compacted: readonly string[], segment: string): string | undefined {
  const at = keyTime(segment);
  if (at === undefined) return undefined;
  let holder: string | undefined;
  let holderFrom = Number.NEGATIVE_INFINITY;
  for (const key of compacted) {
    const from = compactedFrom(key);
    // On a tie (a whole hour beside a part of it), the part: it sorts later.
    if (from !== undefined && from <= at && from >= holderFrom) {
      holder = key;
      holderFrom = from;
    }
  }
  return holder;
}

/** A listed key and where it stands in the log. */
export interface PlacedKey {
  key: string;
  /** A string that sorts where the object's ops begin to be newer than everything before it. */
  at: string;
}

/**
 * Listed keys (of any hours, in key order) placed in log order: each
 * compacted object just after the key range it holds (a part before the
 * segments of the next part's range; the last part, and a whole compacted
 * hour, at its own key, after every segment of its hour), every other key
 * at itself. Walking them newest first, a compacted object comes before
 * the segments of its range that are still stored.
 */
export function inLogOrder(keys: readonly string[]): PlacedKey[] {
  const starts = new Map<string, { key: string; from: number }[]>();
  for (const key of keys) {
    const from = compactedFrom(key);
    if (from === undefined) continue;
    const hour = key.slice(0, key.lastIndexOf('/') + 1);
    const list = starts.get(hour) ?? [];
    list.push({ key, from });
    starts.set(hour, list);
  }
  const at = new Map<string, string>();
  for (const list of starts.values()) {
    list.sort((a, b) => a.from - b.from);
    list.forEach((c, i) => {
      const next = list[i + 1];
      at.set(c.key, next && next.from > c.from ? keyFloor(next.from) : c.key);
    });
  }
  return keys
    .map((key) => ({ key, at: at.get(key) ?? key }))
    .sort((a, b) => (a.at !== b.at ? (a.at < b.at ? -1 : 1) : a.key < b.key ? -1 : 1));
}
