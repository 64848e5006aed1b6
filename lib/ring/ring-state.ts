import { compareEntries, type RingEntry } from '../domain/entry';
import { log } from '../platform/log';
import { IdMemory } from './id-memory';
import { Ring } from './ring';

/** How many op ids a container remembers: the ring's worth five times over, at least 10,000. */
export function idMemoryCapacity(cap: number): number {
  return Math.max(5 * cap, 10_000);
}

/** What a container knows once its ring is loaded. */
export class RingState {
  readonly ring: Ring;
  /** Ids of ops applied lately: a later copy of one of them is not counted again. */
  readonly ids: IdMemory;
  /** Keys applied to the ring that a later listing may still return. */
  private readonly applied = new Set<string>();
  /** Keys below this were pruned from `applied`: whether they were applied is no longer known. */
  private pruneFloor = '';

  constructor(
    cap: number,
    /** When the last complete listing began: everything written before it, less the skew window, is known. */
    public watermark: number,
  ) {
    this.ring = new Ring(cap);
    this.ids = new IdMemory(idMemoryCapacity(cap));
  }

  has(key: string): boolean {
    return this.applied.has(key);
  }

  /**
   * Applies a segment's entries once, in log order; false when it was
   * already applied (or may have been). Of the copies of an op id (a retry
   * stored again) the first in log order counts, wherever it is read from
   * and in whatever order the copies arrive, so every container and the
   * compacted lake count the same copy.
   */
  apply(key: string, entries: readonly RingEntry[]): boolean {
    if (this.applied.has(key)) return false;
    if (key < this.pruneFloor) {
      log.warn('segment finished later than the skew window allows; left to the next cold start', {
        key,
      });
      return false;
    }
    this.applied.add(key);
    for (const entry of entries) {
      const id = entry.op.id;
      if (id === undefined || this.countsFirst(id, entry)) this.ring.insert(entry);
    }
    return true;
  }

  /** Whether `entry` is the first copy of op `id` seen so far; the ring drops a later one it held. */
  private countsFirst(id: string, entry: RingEntry): boolean {
    const counted = this.ids.get(id);
    if (counted === undefined) {
      this.ids.set(id, { key: entry.key, line: entry.line });
      return true;
    }
    // Known without a position (from a checkpoint): that copy was applied first.
    if (counted === null || compareEntries(counted, entry) <= 0) return false;
    this.ring.remove(counted);
    this.ids.set(id, { key: entry.key, line: entry.line });
    return true;
  }

  /**
   * Applies what one listed object holds: a segment's entries, or each
   * segment a compacted hour carries, by its original key and line, so an op
   * read from both its segment and a compacted object (or a checkpoint)
   * counts once. The object key is remembered too, so a later listing does
   * not read it again.
   */
  applyObject(objectKey: string, entries: readonly RingEntry[]): void {
    for (let i = 0; i < entries.length; ) {
      const key = (entries[i] as RingEntry).key;
      let end = i;
      while (end < entries.length && (entries[end] as RingEntry).key === key) end++;
      // A compacted hour carries segments pruned long ago: applied then, passed over quietly now.
      if (key === objectKey || key >= this.pruneFloor) this.apply(key, entries.slice(i, end));
      i = end;
    }
    if (objectKey >= this.pruneFloor) this.applied.add(objectKey);
  }

  /**
   * Where a listing needs to start: at `floor`, or at the oldest key of a
   * full ring if that is later, since an older segment could not enter it.
   * This bounds a refresh to one ring's worth of keys however busy the
   * skew window is.
   */
  listFrom(floor: string): string {
    const oldest = this.ring.oldest();
    if (this.ring.size < this.ring.cap || oldest === undefined) return floor;
    return oldest.key > floor ? oldest.key : floor;
  }

  /** Seeds an empty state with a checkpoint's remembered ids and entries, oldest first. */
  seed(entries: readonly RingEntry[], recentIds: readonly string[]): void {
    for (const id of recentIds) this.ids.add(id);
    for (const e of entries) {
      this.applied.add(e.key);
      if (e.op.id !== undefined) this.ids.set(e.op.id, { key: e.key, line: e.line });
      this.ring.insert(e);
    }
  }

  /** Forgets applied keys below `floor`: listings never return them again. */
  prune(floor: string): void {
    if (floor <= this.pruneFloor) return;
    this.pruneFloor = floor;
    for (const key of this.applied) if (key < floor) this.applied.delete(key);
  }
}
