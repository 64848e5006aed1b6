import type { RingEntry } from '../../lib/domain/entry';
import { gzipCompacted } from '../../lib/storage/compacted-codec';
import { HOUR_MS, isCompactedKey, keyTime, partitionStart, partKey } from '../../lib/storage/keys';
import { replayObject } from '../../lib/storage/replay';
import type { MemorySegmentStore } from './memory-store';

/**
 * Compacts an hour of a memory store into parts by hand, as compaction
 * leaves it (without deciding retries: for histories without op ids):
 * each part starting at one of `starts` (minutes into the hour; the first
 * is 0) holds the segments stamped in its range, and the segments are
 * gone. Returns the parts' keys, in order.
 */
export function compactInParts(
  store: MemorySegmentStore,
  partition: string,
  minutes: readonly number[],
): string[] {
  const start = partitionStart(partition) as number;
  const starts = minutes.map((m) => start + m * 60_000);
  const segments = [...store.objects.keys()]
    .filter((k) => k.startsWith(partition) && !isCompactedKey(k))
    .sort();
  return starts.map((from, i) => {
    const to = starts[i + 1] ?? start + HOUR_MS;
    const entries: RingEntry[] = [];
    for (const key of segments) {
      const at = keyTime(key) as number;
      if (at < from || at >= to) continue;
      entries.push(...replayObject(key, store.objects.get(key) ?? ''));
      store.objects.delete(key);
    }
    const key = partKey(partition, from);
    store.putRaw(key, gzipCompacted(entries));
    return key;
  });
}
