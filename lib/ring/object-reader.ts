import type { RingEntry } from '../domain/entry';
import type { DroppedCopy } from '../domain/retries';
import { log } from '../platform/log';
import { compactedObjects, holderOf } from '../storage/compacted-parts';
import { droppedKeyOf, isCompactedKey, partitionOf } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { decodeDropped } from './dropped';

/** A listed object and the ops it holds, as read from the store, with the retries compaction dropped from it. */
export interface ListedObject {
  key: string;
  entries: RingEntry[];
  dropped: DroppedCopy[];
}

/**
 * Reads listed objects for one refresh or cold start. A compacted object
 * (a part of an hour, or a whole hour) comes with the copies compaction
 * dropped from it as retries (they were stored, so the next copy of their
 * id within the retry window is a retry too). A listing and the reads
 * after it are not one view: a segment listed and then deleted by
 * compaction before it is read is found in the compacted object that holds
 * its key range, which compaction writes (and reads back) before it
 * deletes any segment. So that object is read in its place, once per
 * object (found with one listing of the hour's compacted objects, once per
 * hour), and no op is lost to the container.
 */
export class ObjectReader {
  private readonly objects = new Map<string, Promise<ListedObject>>();
  private readonly hours = new Map<string, Promise<string[]>>();

  constructor(private readonly store: SegmentStore) {}

  /** The object's ops, or, for a segment that is gone, those of the compacted object holding it (under its key). */
  async read(key: string): Promise<ListedObject> {
    if (isCompactedKey(key)) return this.compacted(key);
    const entries = await this.store.read(key);
    if (entries !== undefined) return { key, entries, dropped: [] };
    const holder = holderOf(await this.compactedOf(partitionOf(key)), key);
    const found = holder === undefined ? undefined : await this.compacted(holder);
    if (!found?.entries.some((e) => e.key === key) && !found?.dropped.some((d) => d.key === key)) {
      // Expired, or deleted by an operator: nothing of it is stored any more.
      log.warn('listed segment is gone and in no compacted hour; skipped', { key });
    }
    return found ?? { key, entries: [], dropped: [] };
  }

  /** The compacted objects of an hour, listed once per reader. */
  private compactedOf(partition: string): Promise<string[]> {
    let held = this.hours.get(partition);
    if (held === undefined) {
      held = compactedObjects(this.store, partition);
      this.hours.set(partition, held);
    }
    return held;
  }

  /** A compacted object and its dropped retries, read once per reader. */
  private compacted(key: string): Promise<ListedObject> {
    let held = this.objects.get(key);
    if (held === undefined) {
      held = this.readCompacted(key);
      this.objects.set(key, held);
    }
    return held;
  }

  private async readCompacted(key: string): Promise<ListedObject> {
    const [entries, dropped] = await Promise.all([
      this.store.read(key),
      this.store.getDocument(droppedKeyOf(key)),
    ]);
    if (entries === undefined) log.warn('listed object is gone; skipped', { key });
    return { key, entries: entries ?? [], dropped: decodeDropped(dropped, key) };
  }
}
