import { compareEntries, type Position, type RingEntry } from '../domain/entry';
import type { DroppedCopy, StoredCopy } from '../domain/retries';
import { log } from '../platform/log';
import { keyFloor, keyTime } from '../storage/keys';
import type { Checkpoint } from './checkpoint';
import { CopyIndex } from './copies';
import { Deque } from './deque';
import { Ring } from './ring';

/** How a ring state applies the log: its capacity, the retry window, and its reserve. */
export interface RingStateOptions {
  cap: number;
  /** A copy of an op id stored less than this after another is a retry (lib/domain/retries.ts). */
  windowMs: number;
  /** Counted entries kept just below the ring, to refill it when a retry leaves it; default min(cap, 256). */
  reserve?: number;
}

/** Copies noted for the next checkpoint past which it writes a new copies document instead. */
const MAX_RECENT_COPIES = 50_000;

/** The receive time stamped in a key (0 for a key of another shape). */
export function copyOf(position: Position): StoredCopy {
  return { key: position.key, line: position.line, ms: keyTime(position.key) ?? 0 };
}

/**
 * What a container knows of the log once its ring is loaded: the ring (the
 * newest `cap` ops that count), a reserve of the counted ops just older,
 * every copy of each op id within reach of the retry window (counted or
 * not), and which objects it has applied. Ops may be applied in any order
 * and more than once: each stored op counts once, and of the copies of an
 * op id the rule in lib/domain/retries.ts decides which count, wherever
 * they are read from and in whatever order they arrive.
 */
export class RingState {
  readonly ring: Ring;
  readonly copies: CopyIndex;
  /** Counted entries just older than the ring, oldest first: every one newer than `belowFloor`. */
  private readonly below = new Deque<RingEntry>();
  private readonly reserve: number;
  /** Every counted entry after this position and older than the ring is in `below`; null: the log's start. */
  private belowFloor: Position | null;
  /** The ring lacks ops that only an older part of the log holds: a rebuild is needed to fill it. */
  short = false;
  /** How many objects (or dropped copies) this state has applied: it changed when this did. */
  version = 0;
  /** False for a state taken from a checkpoint whose copies are not read yet: it answers, but applies nothing. */
  copiesComplete = true;
  /** The copies document this state's copies extend, and the copies added since (for its next checkpoint). */
  private copiesNote?: { key: string; recent: DroppedCopy[] };
  /** Keys applied that a later listing may still return. */
  private readonly applied = new Set<string>();
  /** Keys below this were pruned from `applied`: whether they were applied is no longer known. */
  private pruneFloor = '';

  constructor(
    readonly options: RingStateOptions,
    /** When the last complete listing began: everything written before it, less the skew window, is known. */
    public watermark: number,
    /** Where this state's knowledge of the log begins (null: at its start). */
    knownFrom: Position | null = null,
  ) {
    this.ring = new Ring(options.cap, (gone) => this.keepBelow(gone));
    this.copies = new CopyIndex(options.windowMs);
    this.reserve = options.reserve ?? Math.min(options.cap, 256);
    this.belowFloor = knownFrom;
  }

  has(key: string): boolean {
    return this.applied.has(key);
  }

  /**
   * Applies a segment's entries once, in log order; false when it was
   * already applied (or may have been, being older than what is still
   * remembered).
   */
  apply(key: string, entries: readonly RingEntry[]): boolean {
    if (!this.copiesComplete)
      throw new Error('a ring state without its copies cannot apply the log');
    if (this.applied.has(key)) return false;
    if (key < this.pruneFloor) {
      log.warn('segment finished later than the skew window allows; left to the next cold start', {
        key,
      });
      return false;
    }
    this.applied.add(key);
    this.version++;
    for (const entry of entries) this.applyEntry(entry);
    return true;
  }

  /**
   * Applies what one listed object holds: a segment's entries, or each
   * segment a compacted hour carries, by its original key and line, with
   * the copies compaction dropped from it (`dropped`), so an op read from
   * both its segment and a compacted object (or a checkpoint) counts once.
   * The object key is remembered too, so a later listing does not read it
   * again.
   */
  applyObject(
    objectKey: string,
    entries: readonly RingEntry[],
    dropped: readonly DroppedCopy[] = [],
  ): void {
    for (const d of dropped) {
      if (d.key >= this.pruneFloor) this.applyDropped(d);
    }
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

  /** A copy compaction dropped: a retry, that makes the next copy of its id within the window one too. */
  applyDropped(dropped: DroppedCopy): void {
    if (!this.copiesComplete)
      throw new Error('a ring state without its copies cannot apply the log');
    const verdict = this.copies.add(dropped.id, copyOf(dropped));
    if (verdict.added) {
      this.version++;
      this.noteCopy(dropped);
    }
    if (verdict.demoted) this.removeCounted(verdict.demoted);
  }

  /** Whether a copy of op `id` received at `ms` would be a retry of one this state knows. */
  knowsRetry(id: string, ms: number): boolean {
    const latest = this.copies.latest(id);
    return latest !== undefined && latest.ms <= ms && ms - latest.ms < this.options.windowMs;
  }

  private applyEntry(entry: RingEntry): void {
    const id = entry.op.id;
    if (id === undefined) {
      this.insertCounted(entry);
      return;
    }
    const verdict = this.copies.add(id, copyOf(entry));
    if (!verdict.added) return;
    this.noteCopy({ id, key: entry.key, line: entry.line });
    if (verdict.counts) this.insertCounted(entry);
    if (verdict.demoted) this.removeCounted(verdict.demoted);
  }

  /** Puts a counted entry in the ring, or in the reserve below it when it is older than a full ring. */
  private insertCounted(entry: RingEntry): void {
    // Older than what this state knows completely: whether it counts is not known here.
    if (this.belowFloor !== null && compareEntries(entry, this.belowFloor) <= 0) return;
    const oldest = this.ring.oldest();
    if (this.ring.size < this.ring.cap || (oldest && compareEntries(entry, oldest) >= 0)) {
      this.ring.insert(entry);
      return;
    }
    this.below.insertAt(this.below.upperBound(entry, compareEntries), entry);
    this.trimBelow();
  }

  /** An entry the ring pushed out: the newest of those below it. */
  private keepBelow(entry: RingEntry): void {
    this.below.push(entry);
    this.trimBelow();
  }

  private trimBelow(): void {
    while (this.below.length > this.reserve) this.belowFloor = this.below.shift() as RingEntry;
  }

  /** Takes a copy that stopped counting out of the ring (refilled from below) or out of below. */
  private removeCounted(position: Position): void {
    if (this.ring.remove(position)) {
      const refill = this.below.pop();
      if (refill) this.ring.insert(refill);
      else if (this.belowFloor !== null) {
        // Older ops belong in the ring now, and this state does not hold them.
        this.short = true;
        this.belowFloor = this.ring.oldest() ?? this.belowFloor;
      }
      return;
    }
    const at = this.below.upperBound(position as RingEntry, compareEntries) - 1;
    const found = this.below.at(at);
    if (found && compareEntries(found, position) === 0) this.below.removeAt(at);
  }

  /**
   * Seeds an empty state with a checkpoint: its copies first, then its
   * reserve and its entries, oldest first (a reserve larger than this
   * state's is cut from its old end).
   */
  seed(entries: readonly RingEntry[], reserve: readonly RingEntry[], skewMs: number): void {
    for (const e of [...reserve, ...entries]) {
      this.applied.add(e.key);
      if (e.op.id !== undefined) this.copies.add(e.op.id, copyOf(e));
    }
    for (const e of reserve) this.below.push(e);
    this.trimBelow();
    for (const e of entries) this.ring.insert(e);
    // A refresh lists from the watermark less the skew: an older object it meets (a
    // compacted hour) holds nothing the checkpoint's writer had not applied.
    this.pruneFloor = keyFloor(this.watermark - 2 * skewMs);
  }

  /**
   * Forgets what later listings cannot return: applied keys listed two skew
   * windows ago, and copies too old to make any copy a retry that could
   * still arrive or still counts here.
   */
  prune(skewMs: number): void {
    const floor = keyFloor(this.watermark - 2 * skewMs);
    if (floor > this.pruneFloor) {
      this.pruneFloor = floor;
      for (const key of this.applied) if (key < floor) this.applied.delete(key);
    }
    const oldestKept = this.below.first() ?? this.ring.oldest();
    const keptMs = oldestKept ? copyOf(oldestKept).ms : Number.POSITIVE_INFINITY;
    this.copies.prune(Math.min(keptMs, this.watermark - 2 * skewMs) - this.options.windowMs);
  }

  /**
   * Adds the copies a checkpoint carries beside its ring (as its writer
   * knew them: nothing is decided again), after which the state can apply
   * the log.
   */
  addCopies(copies: readonly DroppedCopy[]): void {
    for (const d of copies) this.copies.add(d.id, copyOf(d));
    this.copiesComplete = true;
  }

  /**
   * Completes a state taken from a checkpoint with the copies document it
   * names (read by the caller, `copiesListedAt` says which): those copies
   * and the checkpoint's recent ones.
   */
  completeCopies(copies: readonly DroppedCopy[]): void {
    this.addCopies([...copies, ...(this.copiesNote?.recent ?? [])]);
  }

  /** The copies document this state's copies extend, if any. */
  copiesKey(): string | undefined {
    return this.copiesNote?.key;
  }

  /** Remembers a copy added since the last copies document, up to a bound past which the next checkpoint writes a new one. */
  private noteCopy(copy: DroppedCopy): void {
    if (!this.copiesNote) return;
    if (this.copiesNote.recent.length >= MAX_RECENT_COPIES) this.copiesNote = undefined;
    else this.copiesNote.recent.push(copy);
  }

  /** The copies document `key` holds every copy this state knows: later ones are noted from now on. */
  noteCopiesWritten(key: string): void {
    this.copiesNote = { key, recent: [] };
  }

  /** Whether the next checkpoint needs a new copies document: there is none to extend. */
  needsNewCopies(): boolean {
    return this.copiesNote === undefined;
  }

  /** Whether this state has read the log back to its start: nothing older than the ring counts. */
  knowsWholeLog(): boolean {
    return this.belowFloor === null;
  }

  /**
   * What a checkpoint of this state carries: the ring, the objects a refresh
   * from its listing time would list again, that listing time, and the
   * copies beside the ring: all of them (`copies`) when a new copies
   * document's key is given, else the document it extends and the copies
   * added since.
   */
  checkpoint(skewMs: number, newCopiesKey?: string): Checkpoint {
    if (!this.copiesComplete)
      throw new Error('a ring state without its copies has no checkpoint to give');
    const entries = [...this.ring];
    const reserve = [...this.below];
    const inRing = new Set(entries.map((e) => e.key));
    const floor = keyFloor(this.watermark - skewMs);
    const base = {
      cap: this.options.cap,
      listedAt: this.watermark,
      belowFloor: this.belowFloor,
      windowMs: this.options.windowMs,
      entries,
      reserve,
      applied: [...this.applied].filter((k) => k >= floor && !inRing.has(k)).sort(),
    };
    if (newCopiesKey !== undefined) {
      // Every copy, the ring's and the reserve's too: an entry that leaves them later stays known.
      const copies = [...this.copies.entries()].map(([id, c]) => ({
        id,
        key: c.key,
        line: c.line,
      }));
      return { ...base, copiesKey: newCopiesKey, recentCopies: [], copies };
    }
    if (!this.copiesNote) throw new Error('this state has no copies document to extend');
    const held = new Set([...reserve, ...entries].map((e) => `${e.key}\n${e.line}`));
    return {
      ...base,
      copiesKey: this.copiesNote.key,
      recentCopies: this.copiesNote.recent.filter((c) => !held.has(`${c.key}\n${c.line}`)),
    };
  }

  /** The state a checkpoint describes, as its writer knew it. */
  static fromCheckpoint(
    checkpoint: Checkpoint,
    options: RingStateOptions,
    skewMs: number,
  ): RingState {
    const state = new RingState(options, checkpoint.listedAt, checkpoint.belowFloor);
    state.seed(checkpoint.entries, checkpoint.reserve, skewMs);
    // The checkpoint left out the copies of its entries: they count as recent, for an entry may
    // leave the ring before the next copies document is written.
    const held = [...checkpoint.reserve, ...checkpoint.entries].flatMap((e) =>
      e.op.id === undefined ? [] : [{ id: e.op.id, key: e.key, line: e.line }],
    );
    state.copiesNote = {
      key: checkpoint.copiesKey,
      recent: [...checkpoint.recentCopies, ...held],
    };
    state.copiesComplete = false;
    if (checkpoint.copies) state.completeCopies(checkpoint.copies);
    for (const key of checkpoint.applied) state.applied.add(key);
    return state;
  }
}
