import type { RingEntry } from '../domain/entry';
import { isCompactedKey, isSegmentKey } from './keys';
import { type SegmentStore, storeView } from './store';

/** How many ops `reusingSegmentReads` keeps by default: a few seconds of segments at a high rate. */
export const REUSED_OPS = 20_000;

/**
 * The store, with the ops of each segment read through it kept for the next
 * read of that segment, which takes them instead of a GET. In the snapshot
 * function the ring's refresh reads every new segment and the issue fold
 * reads the same ones right after: one GET each instead of two.
 *
 * A segment's key is new to each write and its object never changes, so
 * what is kept is what S3 answers; once compaction has deleted the segment,
 * it is what S3 answered before, the same ops a reader that read it then
 * has (an interleaving every reader already meets). Compacted objects are
 * read as they are. At most `maxOps` ops are kept, the oldest read given
 * up first, and a kept segment is handed out once.
 */
export function reusingSegmentReads(store: SegmentStore, maxOps = REUSED_OPS): SegmentStore {
  const kept = new Map<string, RingEntry[]>();
  let held = 0;
  const forget = (key: string, entries: RingEntry[]) => {
    kept.delete(key);
    held -= entries.length;
  };
  return storeView(store, {
    async read(key) {
      const reused = kept.get(key);
      if (reused !== undefined) {
        forget(key, reused);
        return reused;
      }
      const entries = await store.read(key);
      if (entries === undefined || !isSegmentKey(key) || isCompactedKey(key)) return entries;
      if (entries.length > maxOps || kept.has(key)) return entries;
      kept.set(key, entries);
      held += entries.length;
      for (const [oldest, ops] of kept) {
        if (held <= maxOps) break;
        forget(oldest, ops);
      }
      return entries;
    },
  });
}
