import type { ObservedOp } from '../domain/op';
import { collect, mapLimit } from '../platform/concurrency';
import { describeError, log } from '../platform/log';
import { StoreUnavailableError } from '../storage/errors';
import { keyFloor, OPS_ROOT } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { type ColdStartOptions, newestObjects, stateFromCheckpoint } from './cold-start';
import { IdMemory } from './id-memory';
import { ObjectReader } from './object-reader';
import type { Ring, Stats } from './ring';
import { idMemoryCapacity, RingState } from './ring-state';

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
  /** The observer's clock (ms since the epoch). */
  readonly now: () => number;
  private readonly readConcurrency: number;
  private readonly listConcurrency: number;

  constructor(
    readonly store: SegmentStore,
    readonly options: ObserverOptions,
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
   * this container knows (written or applied here, or repeated earlier in
   * the same call) is a duplicate: acknowledged, not written again. A copy
   * this container cannot know of (a retry sent to another container) is
   * written, and every reader and compaction count only the first copy. A
   * failed write throws and changes nothing.
   */
  async record(ops: readonly ObservedOp[], receivedAt: Date): Promise<RecordResult> {
    const inCall = new Set<string>();
    const duplicate = ops.map(({ id }) => {
      if (id === undefined) return false;
      if (this.knows(id) || inCall.has(id)) return true;
      inCall.add(id);
      return false;
    });
    const fresh = ops.filter((_, i) => !duplicate[i]);
    if (fresh.length === 0) return { key: undefined, duplicate };
    const key = await this.store.append(fresh, receivedAt);
    for (const op of fresh) if (op.id !== undefined) this.recorded.add(op.id);
    this.state?.apply(
      key,
      fresh.map((op, line) => ({ key, line, op })),
    );
    return { key, duplicate };
  }

  private knows(id: string): boolean {
    return this.recorded.has(id) || this.state?.ids.has(id) === true;
  }

  /**
   * Stats over the ring, after loading it (first call) or refreshing it from
   * the store; `stale` as `freshRing` says.
   */
  async stats(): Promise<{ stats: Stats; stale: boolean }> {
    const { ring, stale } = await this.freshRing();
    return { stats: ring.stats(), stale };
  }

  /**
   * The ring, after loading it (first call) or refreshing it from the store.
   * When a refresh cannot reach the store, the cached ring answers and
   * `stale` says so; a cold start that cannot reach it throws.
   */
  async freshRing(): Promise<{ ring: Ring; stale: boolean }> {
    const state = this.state;
    if (!state) return { ring: (await this.load()).ring, stale: false };
    try {
      await this.refresh();
    } catch (err: unknown) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      log.warn('refresh failed; answering from the cached ring', describeError(err));
      return { ring: state.ring, stale: true };
    }
    return { ring: state.ring, stale: false };
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

  /** The ring state, loaded and then refreshed: current as of this call. */
  async current(): Promise<RingState> {
    const state = await this.load();
    await this.refresh();
    return state;
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
    const reader = new ObjectReader(this.store);
    const segments = await mapLimit(keys, this.readConcurrency, (key) => reader.read(key));
    for (const s of segments) state.applyObject(s.key, s.entries);
    state.watermark = Math.max(state.watermark, listedAt);
    // A later refresh starts at watermark - skew; keep one more window of keys as a margin.
    state.prune(keyFloor(state.watermark - 2 * this.options.skewMs));
    return segments.length;
  }

  private async coldStart(): Promise<RingState> {
    const startedAt = this.now();
    const fromCheckpoint = await stateFromCheckpoint(this.store, this.options.cap);
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
    const objects = await newestObjects(this.store, this.coldStartOptions(), startedAt);
    objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const o of objects) state.applyObject(o.key, o.entries);
    log.info('ring rebuilt by listing', {
      segments: objects.length,
      ops: state.ring.size,
      ms: this.now() - startedAt,
    });
    return state;
  }

  private coldStartOptions(): ColdStartOptions {
    const { cap, skewMs, coldStartHours } = this.options;
    return {
      cap,
      skewMs,
      coldStartHours,
      readConcurrency: this.readConcurrency,
      listConcurrency: this.listConcurrency,
    };
  }
}
