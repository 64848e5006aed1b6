import type { ObservedOp } from '../domain/op';
import { DEFAULT_RETRY_WINDOW_MS } from '../domain/retries';
import { collect, mapLimit } from '../platform/concurrency';
import { describeError, log } from '../platform/log';
import { StoreUnavailableError } from '../storage/errors';
import { CHECKPOINT_KEY, keyFloor, keyTime, OPS_ROOT } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import {
  type ColdStartOptions,
  stateByListing,
  stateFromCheckpoint,
  usableCheckpoint,
  withCopies,
} from './cold-start';
import { RecentIds } from './id-memory';
import { ObjectReader } from './object-reader';
import type { Ring, Stats } from './ring';
import { RingState } from './ring-state';

/** How the ring is kept; see docs/architecture.md, "Read path: the ring". */
export interface ObserverOptions {
  /** Ring capacity (ops). */
  cap: number;
  /** How far behind the last listing a refresh looks again, for writes that finished late. */
  skewMs: number;
  /** How many hour partitions a cold start walks back before it lists everything. */
  coldStartHours: number;
  /** A copy of an op id stored less than this after another is a retry (default 10 minutes). */
  retryWindowMs?: number;
  /**
   * How old an answer may be: a ring listed (by this container, or by the
   * writer of a newer checkpoint it adopts) less than this long ago is
   * answered from without a listing. 0 (the default): every answer lists.
   */
  maxStalenessMs?: number;
  /** Counted ops kept below the ring, to refill it when a retry leaves it. */
  reserve?: number;
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

/** How many ids a container remembers having written: a ring's worth five times over, at least 10,000. */
function writtenIdsCapacity(cap: number): number {
  return Math.max(5 * cap, 10_000);
}

/**
 * The warm-container state of the service: records ops (persist, then
 * apply) and answers stats over a ring that is rebuilt from the store on a
 * cold start and refreshed from it before each answer, or taken from a
 * newer checkpoint when one is there.
 */
export class Observer {
  private state?: RingState;
  private loading?: Promise<void>;
  private refreshing?: Promise<void>;
  private refreshQueued?: Promise<void>;
  /** The version of the checkpoint last read, so an unchanged one costs no transfer. */
  private checkpointEtag?: string;
  /** Ids this container wrote, so a retry it sees again is not written twice. */
  private readonly recorded: RecentIds;
  /** The observer's clock (ms since the epoch). */
  readonly now: () => number;
  private readonly coldStart: ColdStartOptions;
  private readonly maxStalenessMs: number;

  constructor(
    readonly store: SegmentStore,
    readonly options: ObserverOptions,
  ) {
    this.now = options.now ?? Date.now;
    const windowMs = options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS;
    this.maxStalenessMs = options.maxStalenessMs ?? 0;
    this.coldStart = {
      cap: options.cap,
      windowMs,
      reserve: options.reserve ?? Math.min(options.cap, 256),
      skewMs: options.skewMs,
      coldStartHours: options.coldStartHours,
      readConcurrency: options.readConcurrency ?? 16,
      listConcurrency: options.listConcurrency ?? 8,
    };
    this.recorded = new RecentIds(writtenIdsCapacity(options.cap), windowMs);
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
   * this container knows a copy of within the retry window (written or
   * applied here, or repeated earlier in the same call) is a duplicate:
   * acknowledged, not written again. A copy this container cannot know of
   * (a retry sent to another container) is written, and every reader and
   * compaction count it as the rule says. A failed write throws and changes
   * nothing.
   */
  async record(ops: readonly ObservedOp[], receivedAt: Date): Promise<RecordResult> {
    const at = receivedAt.getTime();
    const inCall = new Set<string>();
    const duplicate = ops.map(({ id }) => {
      if (id === undefined) return false;
      if (this.knows(id, at) || inCall.has(id)) return true;
      inCall.add(id);
      return false;
    });
    const fresh = ops.filter((_, i) => !duplicate[i]);
    if (fresh.length === 0) return { key: undefined, duplicate };
    const key = await this.store.append(fresh, receivedAt);
    const stamped = keyTime(key) ?? at;
    for (const op of fresh) if (op.id !== undefined) this.recorded.remember(op.id, stamped);
    // A ring taken from a checkpoint whose copies are not read yet lists this write at its next refresh.
    if (this.state?.copiesComplete) {
      this.state.apply(
        key,
        fresh.map((op, line) => ({ key, line, op })),
      );
    }
    return { key, duplicate };
  }

  private knows(id: string, at: number): boolean {
    return this.recorded.has(id, at) || this.state?.knowsRetry(id, at) === true;
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
    if (!this.state) return { ring: (await this.load()).ring, stale: false };
    try {
      await this.refresh();
    } catch (err: unknown) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      log.warn('refresh failed; answering from the cached ring', describeError(err));
      return { ring: (this.state as RingState).ring, stale: true };
    }
    return { ring: (this.state as RingState).ring, stale: false };
  }

  /** When the ring answered last was listed (ms since the epoch), or undefined before the first load. */
  listedAt(): number | undefined {
    return this.state?.watermark;
  }

  /** The ring state, rebuilt once per container; a failed rebuild is retried by the next call. */
  async load(): Promise<RingState> {
    this.loading ??= this.rebuild().then(
      (state) => {
        this.state ??= state;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    await this.loading;
    return this.state as RingState;
  }

  /**
   * Brings the ring up to date: from a newer checkpoint, when one is there,
   * then from the segments written since its listing, less the skew window,
   * that it has not applied yet, unless it was listed less than
   * `maxStalenessMs` ago. Calls made while one runs share the next run, so
   * each caller sees every write that finished before it asked (less the
   * staleness allowed).
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

  /** The ring state, loaded and then brought up to date: current as of this call. */
  async current(): Promise<RingState> {
    await this.load();
    await this.refresh();
    return this.state as RingState;
  }

  private fresh(state: RingState): boolean {
    return this.maxStalenessMs > 0 && this.now() - state.watermark < this.maxStalenessMs;
  }

  private async refreshOnce(): Promise<void> {
    let state = await this.load();
    if (this.fresh(state)) return;
    // A container that answers stale, or has been idle for longer than the skew
    // window, looks for a newer checkpoint before it lists.
    if (this.maxStalenessMs > 0 || this.now() - state.watermark > this.options.skewMs) {
      state = (await this.newerCheckpoint(state)) ?? state;
      this.state = state;
      if (this.fresh(state)) return;
    }
    if (!state.copiesComplete) state = await this.completed(state);
    this.state = await this.catchUp(state);
  }

  /**
   * A newer checkpoint than the state, when the store holds one: a ring far
   * behind (idle for an hour) is brought up to date by one read instead of
   * every segment written meanwhile, and many containers reading the same
   * log share the work of one. An unchanged checkpoint costs a 304.
   */
  private async newerCheckpoint(state: RingState): Promise<RingState | undefined> {
    let found: Awaited<ReturnType<SegmentStore['getIfChanged']>>;
    try {
      found = await this.store.getIfChanged(CHECKPOINT_KEY, this.checkpointEtag);
    } catch (err: unknown) {
      log.warn('checkpoint unreadable; refreshing by listing', describeError(err));
      return undefined;
    }
    if (found === undefined || found === 'unchanged') return undefined;
    this.checkpointEtag = found.etag;
    const checkpoint = usableCheckpoint(Buffer.from(found.body).toString('utf-8'), this.coldStart);
    if ('error' in checkpoint) {
      log.warn('checkpoint refused; refreshing by listing', { reason: checkpoint.error });
      return undefined;
    }
    if (checkpoint.listedAt <= state.watermark) return undefined;
    return RingState.fromCheckpoint(checkpoint, this.coldStart, this.options.skewMs);
  }

  /**
   * The state with the copies written beside its checkpoint, which it needs
   * before it applies anything more; when the snapshot function has written
   * a newer checkpoint since, that one, with its copies; failing both, the
   * state rebuilt by listing.
   */
  private async completed(state: RingState): Promise<RingState> {
    if (await withCopies(this.store, state)) return state;
    const newest = await stateFromCheckpoint(this.store, this.coldStart, this.options.skewMs);
    if (newest) return newest;
    return (await stateByListing(this.store, this.coldStart, this.now())).state;
  }

  /**
   * Lists the segments written since the state's watermark, less the skew
   * window, and applies those not applied yet, in key order. When more are
   * new than a rebuild would read (a ring idle for longer than the retry
   * window, with no newer checkpoint), or the ring is short of ops that only
   * older objects hold, the state is rebuilt from the newest objects instead.
   */
  private async catchUp(state: RingState): Promise<RingState> {
    const listedAt = this.now();
    const startAfter = keyFloor(state.watermark - this.options.skewMs);
    const keys = (await collect(this.store.list(OPS_ROOT, startAfter))).filter(
      (k) => !state.has(k),
    );
    const { cap, reserve, windowMs } = this.coldStart;
    const farBehind = keys.length > cap + reserve && listedAt - state.watermark > windowMs;
    if (!state.short && !farBehind) {
      const reader = new ObjectReader(this.store);
      const objects = await mapLimit(keys, this.coldStart.readConcurrency, (k) => reader.read(k));
      for (const o of objects) state.applyObject(o.key, o.entries, o.dropped);
      if (!state.short) {
        state.watermark = Math.max(state.watermark, listedAt);
        state.prune(this.options.skewMs);
        return state;
      }
    }
    // Retries left the ring short of ops only older objects hold, or reading every new
    // object would cost more than reading the newest ones again.
    const { state: rebuilt } = await stateByListing(this.store, this.coldStart, listedAt);
    log.info('ring rebuilt from the newest objects', {
      new_keys: keys.length,
      short: state.short,
      ops: rebuilt.ring.size,
    });
    return rebuilt;
  }

  private async rebuild(): Promise<RingState> {
    const startedAt = this.now();
    const fromCheckpoint = await stateFromCheckpoint(
      this.store,
      this.coldStart,
      this.options.skewMs,
    );
    if (fromCheckpoint) {
      const checkpointOps = fromCheckpoint.ring.size;
      const state = this.fresh(fromCheckpoint)
        ? fromCheckpoint
        : await this.catchUp(fromCheckpoint);
      log.info('ring rebuilt from checkpoint', {
        checkpoint_ops: checkpointOps,
        ops: state.ring.size,
        ms: this.now() - startedAt,
      });
      return state;
    }
    const { state, objects } = await stateByListing(this.store, this.coldStart, startedAt);
    log.info('ring rebuilt by listing', {
      segments: objects,
      ops: state.ring.size,
      ms: this.now() - startedAt,
    });
    return state;
  }
}
