import { log } from '../platform/log';
import { IdMemory } from './id-memory';
import { Ring, type RingEntry } from './ring';

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
   * already applied (or may have been). An op whose id was applied before is
   * skipped: the first copy in log order counts, a retried copy does not.
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
      if (id !== undefined) {
        if (this.ids.has(id)) continue;
        this.ids.add(id);
      }
      this.ring.insert(entry);
    }
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
      this.apply(key, entries.slice(i, end));
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
      if (e.op.id !== undefined) this.ids.add(e.op.id);
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
