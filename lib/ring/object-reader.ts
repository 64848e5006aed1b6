import type { RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { log } from '../platform/log';
import { compactedKey, isCompactedKey, partitionOf, retriesKey } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { decodeDropped } from './dropped';

/** A listed object and the ops it holds, as read from the store, with the retries compaction dropped from it. */
export interface ListedObject {
  key: string;
  entries: RingEntry[];
  dropped: DroppedCopy[];
}

/**
 * Reads listed objects for one refresh or cold start. A compacted hour
 * comes with the copies compaction dropped from it as retries (they were
 * stored, so the next copy of their id within the retry window is a retry
 * too). A listing and the reads after it are not one view: a segment
 * listed and then deleted by compaction before it is read is found in its
 * compacted hour, which compaction writes (and reads back) before it
 * deletes any segment. So the gone segment's hour is read in its place,
 * once per hour, and no op is lost to the container.
 */
export class ObjectReader {
  private readonly hours = new Map<string, Promise<ListedObject>>();

  constructor(private readonly store: SegmentStore) {}

  /** The object's ops, or, for a segment that is gone, its compacted hour's (under the hour's key). */
  async read(key: string): Promise<ListedObject> {
    if (isCompactedKey(key)) return this.hour(key);
    const entries = await this.store.read(key);
    if (entries !== undefined) return { key, entries, dropped: [] };
    const hour = await this.hour(compactedKey(partitionOf(key)));
    if (!hour.entries.some((e) => e.key === key) && !hour.dropped.some((d) => d.key === key)) {
      // Expired, or deleted by an operator: nothing of it is stored any more.
      log.warn('listed segment is gone and in no compacted hour; skipped', { key });
    }
    return hour;
  }

  /** A compacted hour and its dropped retries, read once per reader. */
  private hour(key: string): Promise<ListedObject> {
    let held = this.hours.get(key);
    if (held === undefined) {
      held = this.readHour(key);
      this.hours.set(key, held);
    }
    return held;
  }

  private async readHour(key: string): Promise<ListedObject> {
    const [entries, dropped] = await Promise.all([
      this.store.read(key),
      this.store.getDocument(retriesKey(partitionOf(key))),
    ]);
    if (entries === undefined) log.warn('listed object is gone; skipped', { key });
    return { key, entries: entries ?? [], dropped: decodeDropped(dropped, key) };
  }
}
