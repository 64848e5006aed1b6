import type { RingEntry } from '../domain/entry';
import { log } from '../platform/log';
import { compactedKey, isCompactedKey, partitionOf } from '../storage/keys';
import type { SegmentStore } from '../storage/store';

/** A listed object and the ops it holds, as read from the store. */
export interface ListedObject {
  key: string;
  entries: RingEntry[];
}

/**
 * Reads listed objects for one refresh or cold start. A listing and the
 * reads after it are not one view: a segment listed and then deleted by
 * compaction before it is read is found in its compacted hour, which
 * compaction writes (and reads back) before it deletes any segment. So the
 * gone segment's hour is read in its place, once per hour, and no op is
 * lost to the container.
 */
export class ObjectReader {
  private readonly hours = new Map<string, Promise<RingEntry[]>>();

  constructor(private readonly store: SegmentStore) {}

  /** The object's ops, or, for a segment that is gone, its compacted hour's (under the hour's key). */
  async read(key: string): Promise<ListedObject> {
    const entries = await this.store.read(key);
    if (entries !== undefined) return { key, entries };
    if (isCompactedKey(key)) {
      log.warn('listed object is gone; skipped', { key });
      return { key, entries: [] };
    }
    const hour = compactedKey(partitionOf(key));
    let held = this.hours.get(hour);
    if (held === undefined) {
      held = this.store.read(hour).then((found) => found ?? []);
      this.hours.set(hour, held);
    }
    const hourEntries = await held;
    if (!hourEntries.some((e) => e.key === key)) {
      // Expired, or deleted by an operator: nothing of it is stored any more.
      log.warn('listed segment is gone and in no compacted hour; skipped', { key });
    }
    return { key: hour, entries: hourEntries };
  }
}
