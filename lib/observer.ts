import { collect, mapLimit } from './concurrency';
import { IdMemory } from './id-memory';
import { HOUR_MS, hourPartitionsBack, keyFloor, OPS_ROOT } from './keys';
import { describeError, log } from './log';
import type { ObservedOp } from './op';
import { Ring, type RingEntry, type Stats } from './ring';
import { type SegmentStore, StoreUnavailableError } from './segment-store';
import {
  CHECKPOINT_KEY,
  decodeCheckpoint,
  decodeHour,
  encodeCheckpoint,
  encodeHour,
  LATEST_STATS_KEY,
  type StatsSnapshot,
  statsHourKey,
  statsMinuteKey,
  statsSnapshot,
} from './snapshot';

/** How the ring is kept; see docs/architecture.md, "Read path: the ring". */
export interface ObserverOptions {
  /** Ring capacity (ops). */
  cap: number;
  /** How far behind the last listing a refresh looks again, for writes that finished late. */
  skewMs: number;
  /** How many hour partitions a cold start walks back before it lists everything. */
  coldStartHours: number;
  /** Segments fetched at once. */
  readConcurrency?: number;
  /** Hour partitions listed at once, after the newest one. */
  listConcurrency?: number;
  /** The clock (ms since the epoch). */
  now?: () => number;
}

/** What `record` did: the key written (if any op was new) and which ops were duplicates. */
export interface RecordResult {
  key: string | undefined;
  duplicate: boolean[];
}

/** How many op ids a container remembers: the ring's worth five times over, at least 10,000. */
export function idMemoryCapacity(cap: number): number {
  return Math.max(5 * cap, 10_000);
}

/** A listed object and the ops it holds, as read from the store. */
interface Segment {
  key: string;
  entries: RingEntry[];
}

/** What a container knows once its ring is loaded. */
class RingState {
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

/**
 * The warm-container state of the service: records ops (persist, then
 * apply) and answers stats over a ring that is rebuilt from the store on a
 * cold start and refreshed from it before each answer.
 */
export class Observer {
  private state?: RingState;
  private loading?: Promise<RingState>;
  private refreshing?: Promise<void>;
  private refreshQueued?: Promise<void>;
  /** Ids this container wrote, so a retry it sees again is not written twice. */
  private readonly recorded: IdMemory;
  private readonly now: () => number;
  private readonly readConcurrency: number;
  private readonly listConcurrency: number;

  constructor(
    private readonly store: SegmentStore,
    private readonly options: ObserverOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.readConcurrency = options.readConcurrency ?? 16;
    this.listConcurrency = options.listConcurrency ?? 8;
    this.recorded = new IdMemory(idMemoryCapacity(options.cap));
  }

  /** Whether this container has its ring in memory, and how full it is. */
  status(): { loaded: boolean; ring_size: number; ring_cap: number } {
    return {
      loaded: this.state !== undefined,
      ring_size: this.state?.ring.size ?? 0,
      ring_cap: this.options.cap,
    };
  }

  /**
   * Persists the ops as one segment (one write, whatever their number), then
   * applies them to the ring if this container has loaded it. An op whose id
   * is already recorded — known to this container, repeated earlier in the
   * same call, or claimed in the store by a segment that exists — is a
   * duplicate: acknowledged, not written again. A failed write throws and
   * changes nothing.
   */
  async record(ops: readonly ObservedOp[], receivedAt: Date): Promise<RecordResult> {
    const duplicate = ops.map((op) => op.id !== undefined && this.knows(op.id));
    const key = this.store.nextKey(receivedAt);
    const claimed = new Set<string>();
    await mapLimit(ops, this.readConcurrency, async (op, i) => {
      const id = op.id;
      if (id === undefined || duplicate[i]) return;
      if (claimed.has(id)) {
        duplicate[i] = true;
        return;
      }
      claimed.add(id);
      if (!(await this.store.claimId(id, key))) duplicate[i] = true;
    });
    const fresh = ops.filter((_, i) => !duplicate[i]);
    if (fresh.length === 0) return { key: undefined, duplicate };
    // The store may have moved to a fresh key on a clash: apply under the key written.
    const written = await this.store.append(fresh, receivedAt, key);
    for (const op of fresh) if (op.id !== undefined) this.recorded.add(op.id);
    this.state?.apply(
      written,
      fresh.map((op, line) => ({ key: written, line, op })),
    );
    return { key: written, duplicate };
  }

  private knows(id: string): boolean {
    return this.recorded.has(id) || this.state?.ids.has(id) === true;
  }

  /**
   * Stats over the ring, after loading it (first call) or refreshing it from
   * the store. When a refresh cannot reach the store, the cached ring answers
   * and `stale` says so; a cold start that cannot reach it throws.
   */
  async stats(): Promise<{ stats: Stats; stale: boolean }> {
    const state = this.state;
    if (!state) return { stats: (await this.load()).ring.stats(), stale: false };
    try {
      await this.refresh();
    } catch (err: unknown) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      log.warn('refresh failed; answering from the cached ring', describeError(err));
      return { stats: state.ring.stats(), stale: true };
    }
    return { stats: state.ring.stats(), stale: false };
  }

  /** The ring state, rebuilt once per container; a failed rebuild is retried by the next call. */
  load(): Promise<RingState> {
    this.loading ??= this.coldStart().then(
      (state) => {
        this.state = state;
        return state;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  /**
   * Applies segments written since the watermark, less the skew window, that
   * this container has not applied yet. Calls made while one runs share the
   * next run, so each caller sees every write that finished before it asked.
   */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.refreshOnce().finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    this.refreshQueued ??= this.refreshing
      .catch(() => undefined)
      .then(() => {
        this.refreshQueued = undefined;
        return this.refresh();
      });
    return this.refreshQueued;
  }

  private async refreshOnce(): Promise<void> {
    await this.catchUp(await this.load());
  }

  /**
   * Lists the segments written since the state's watermark, less the skew
   * window, and applies those not applied yet, in key order.
   */
  private async catchUp(state: RingState): Promise<number> {
    const listedAt = this.now();
    const startAfter = state.listFrom(keyFloor(state.watermark - this.options.skewMs));
    const keys = (await collect(this.store.list(OPS_ROOT, startAfter))).filter(
      (k) => !state.has(k),
    );
    const segments = await mapLimit(keys, this.readConcurrency, async (key) => ({
      key,
      entries: await this.store.read(key),
    }));
    for (const s of segments) state.applyObject(s.key, s.entries);
    state.watermark = Math.max(state.watermark, listedAt);
    // A later refresh starts at watermark - skew; keep one more window of keys as a margin.
    state.prune(keyFloor(state.watermark - 2 * this.options.skewMs));
    return segments.length;
  }

  private async coldStart(): Promise<RingState> {
    const startedAt = this.now();
    const fromCheckpoint = await this.fromCheckpoint();
    if (fromCheckpoint) {
      const tail = await this.catchUp(fromCheckpoint);
      log.info('ring rebuilt from checkpoint', {
        checkpoint_ops: fromCheckpoint.ring.size - tail,
        tail_segments: tail,
        ops: fromCheckpoint.ring.size,
        ms: this.now() - startedAt,
      });
      return fromCheckpoint;
    }
    const state = new RingState(this.options.cap, startedAt);
    const segments = await this.newestSegments(startedAt);
    segments.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const s of segments) state.applyObject(s.key, s.entries);
    log.info('ring rebuilt by listing', {
      segments: segments.length,
      ops: state.ring.size,
      ms: this.now() - startedAt,
    });
    return state;
  }

  /** The state a valid checkpoint describes, or undefined (with a warning) to rebuild by listing. */
  private async fromCheckpoint(): Promise<RingState | undefined> {
    let text: string | undefined;
    try {
      text = await this.store.getDocument(CHECKPOINT_KEY);
    } catch (err: unknown) {
      log.warn('checkpoint unreadable; rebuilding by listing', describeError(err));
      return undefined;
    }
    if (text === undefined) return undefined;
    const checkpoint = decodeCheckpoint(text);
    if ('error' in checkpoint) {
      log.warn('checkpoint refused; rebuilding by listing', { reason: checkpoint.error });
      return undefined;
    }
    // A full checkpoint of a smaller ring lacks older ops this ring should hold.
    if (checkpoint.cap < this.options.cap && checkpoint.entries.length >= checkpoint.cap) {
      log.warn('checkpoint holds fewer ops than the ring needs; rebuilding by listing', {
        checkpoint_cap: checkpoint.cap,
        cap: this.options.cap,
      });
      return undefined;
    }
    const state = new RingState(this.options.cap, checkpoint.listedAt);
    state.seed(checkpoint.entries, checkpoint.recentIds);
    return state;
  }

  /**
   * Refreshes the ring, then writes the minute's stats snapshot, the latest
   * snapshot, the hour's history and the ring checkpoint. Each write is one
   * whole object, and the checkpoint is written last and only from a
   * refreshed ring, so a crash at any point leaves the previous checkpoint
   * (or a complete new one) and never one that claims ops it does not hold.
   */
  async snapshot(): Promise<StatsSnapshot> {
    const state = await this.load();
    await this.refresh();
    const at = new Date(this.now());
    const ring = state.ring;
    const snap = statsSnapshot(ring.stats(), ring.oldest(), ring.newest(), at);
    const doc = JSON.stringify(snap);
    await this.store.putDocument(statsMinuteKey(at), doc);
    await this.store.putDocument(LATEST_STATS_KEY, doc);
    const hourKey = statsHourKey(at);
    await this.store.putDocument(
      hourKey,
      encodeHour(decodeHour(await this.store.getDocument(hourKey)), snap),
    );
    await this.store.putDocument(
      CHECKPOINT_KEY,
      encodeCheckpoint([...ring], this.options.cap, state.watermark, at, state.ids.values()),
    );
    return snap;
  }

  /** The stats snapshots of the last `hours` hours, oldest first. */
  async history(hours: number): Promise<StatsSnapshot[]> {
    const now = this.now();
    // hours + 1 partitions: the oldest one is only partly inside the window.
    const keys = Array.from({ length: hours + 1 }, (_, i) =>
      statsHourKey(new Date(now - i * HOUR_MS)),
    );
    const perHour = await mapLimit(keys.reverse(), this.readConcurrency, async (key) =>
      decodeHour(await this.store.getDocument(key)),
    );
    const since = new Date(now - hours * HOUR_MS).toISOString();
    return perHour.flat().filter((s) => s.generated_at >= since);
  }

  /**
   * The newest segments holding at least `cap` ops (or all there are):
   * hour partitions newest first, out to the horizon, then one complete
   * listing of what lies before it.
   */
  private async newestSegments(at: number): Promise<Segment[]> {
    const { cap, skewMs, coldStartHours } = this.options;
    // Start from the partition a container whose clock runs ahead could be writing to.
    const partitions = hourPartitionsBack(
      at + skewMs,
      coldStartHours + Math.ceil(skewMs / HOUR_MS),
    );
    const found: Segment[] = [];
    // Ops are counted by segment: while an hour is being compacted, an op can
    // be in its segment and in the compacted object, and must count once.
    const seen = new Set<string>();
    let held = 0;
    const readNewestFirst = async (keysNewestFirst: string[]) => {
      const got = await mapLimit(
        keysNewestFirst,
        this.readConcurrency,
        async (key) => {
          if (seen.has(key)) return undefined;
          const entries = await this.store.read(key);
          for (const e of entries) {
            if (!seen.has(e.key)) held++;
          }
          for (const e of entries) seen.add(e.key);
          return { key, entries };
        },
        () => held >= cap,
      );
      for (const s of got) if (s) found.push(s);
    };

    for (let i = 0; i < partitions.length && held < cap; ) {
      const width = i === 0 ? 1 : this.listConcurrency;
      const batch = partitions.slice(i, i + width);
      i += width;
      const listed = await mapLimit(batch, width, (p) => collect(this.store.list(p)));
      await readNewestFirst(listed.flatMap((keys) => [...keys].reverse()));
    }
    if (held < cap) {
      const horizon = partitions.at(-1) ?? OPS_ROOT;
      const older: string[] = [];
      for await (const page of this.store.list(OPS_ROOT)) {
        for (const key of page) if (key < horizon) older.push(key);
        // Only the newest `cap` keys can matter: every segment holds at least one op.
        if (older.length > 2 * cap) older.splice(0, older.length - cap);
      }
      await readNewestFirst(older.slice(-cap).reverse());
    }
    return found;
  }
}
