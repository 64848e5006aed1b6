import { collect, mapLimit } from '../platform/concurrency';
import { describeError, log } from '../platform/log';
import { inLogOrder, type PlacedKey } from '../storage/compacted-parts';
import {
  CHECKPOINT_KEY,
  compactedFrom,
  floorTime,
  HOUR_MS,
  hourPartitionsBack,
  keyFloor,
  keyTime,
  OPS_ROOT,
} from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { type Checkpoint, decodeCheckpoint, decodeCopies } from './checkpoint';
import { type ListedObject, ObjectReader } from './object-reader';
import { RingState, type RingStateOptions } from './ring-state';

/** How a ring is rebuilt: its state's options, the skew window, and how far back partitions are walked. */
export interface ColdStartOptions extends Required<RingStateOptions> {
  skewMs: number;
  coldStartHours: number;
  readConcurrency: number;
  listConcurrency: number;
}

/**
 * A checkpoint this ring can start from, or why not: one that does not
 * decode, a full one of a smaller ring (it lacks older ops this ring
 * should hold), or one written with a shorter retry window (it lacks
 * copies this ring's rule needs).
 */
export function usableCheckpoint(
  text: string,
  options: RingStateOptions,
): Checkpoint | { error: string } {
  const checkpoint = decodeCheckpoint(text);
  if ('error' in checkpoint) return checkpoint;
  if (checkpoint.cap < options.cap && checkpoint.entries.length >= checkpoint.cap) {
    return {
      error: `it holds fewer ops than the ring needs (cap ${checkpoint.cap} < ${options.cap})`,
    };
  }
  if (checkpoint.windowMs < options.windowMs) {
    return {
      error: `its retry window (${checkpoint.windowMs} ms) is shorter than ${options.windowMs} ms`,
    };
  }
  return checkpoint;
}

/**
 * The state a valid checkpoint and the copies document it names describe,
 * or undefined (with a warning) when there is none or it cannot be
 * trusted, so the ring is rebuilt by listing.
 */
export async function stateFromCheckpoint(
  store: SegmentStore,
  options: RingStateOptions,
  skewMs: number,
): Promise<RingState | undefined> {
  const text = await documentOrWarn(
    store,
    CHECKPOINT_KEY,
    'checkpoint unreadable; rebuilding by listing',
  );
  if (text === undefined || text === UNREADABLE) return undefined;
  const checkpoint = usableCheckpoint(text, options);
  if ('error' in checkpoint) {
    log.warn('checkpoint refused; rebuilding by listing', { reason: checkpoint.error });
    return undefined;
  }
  const state = RingState.fromCheckpoint(checkpoint, options, skewMs);
  return (await withCopies(store, state)) ? state : undefined;
}

const UNREADABLE = Symbol('unreadable');

/** A document's text, undefined when there is none, or UNREADABLE (with `warning` logged) when the read failed. */
async function documentOrWarn(
  store: SegmentStore,
  key: string,
  warning: string,
): Promise<string | undefined | typeof UNREADABLE> {
  try {
    return await store.getDocument(key);
  } catch (err: unknown) {
    log.warn(warning, describeError(err));
    return UNREADABLE;
  }
}

/**
 * Completes a state taken from a checkpoint with the copies document that
 * checkpoint names; false (with a warning) when it is missing or cannot be
 * read, and the state cannot go on applying the log.
 */
export async function withCopies(store: SegmentStore, state: RingState): Promise<boolean> {
  const key = state.copiesKey();
  if (key === undefined) return false;
  const text = await documentOrWarn(store, key, 'copies of the checkpoint unreadable');
  if (text === UNREADABLE) return false;
  const decoded = text === undefined ? { error: 'there is none' } : decodeCopies(text);
  if ('error' in decoded) {
    log.warn('copies of the checkpoint refused', { key, reason: decoded.error });
    return false;
  }
  state.completeCopies(decoded.copies);
  return true;
}

/**
 * The state rebuilt from the newest objects of the log, read newest first:
 * enough of them to hold `cap` ops and the reserve, then every object
 * within the retry window before the oldest of those (whose copies decide
 * which of theirs are retries); more when retries leave the ring short.
 * Objects are applied in key order, so the result is what a warm ring that
 * had read the whole log would hold.
 */
export async function stateByListing(
  store: SegmentStore,
  options: ColdStartOptions,
  at: number,
): Promise<{ state: RingState; objects: number }> {
  const keys = new NewestKeys(store, options, at);
  const reader = new ObjectReader(store);
  const read: ListedObject[] = [];
  const positions = new Set<string>();
  let target = options.cap + options.reserve;
  // Every object from the newest down to `boundary` is read: the log from there on is known.
  let boundary: string | undefined;
  for (;;) {
    while (positions.size < target) {
      const batch = await keys.next(options.readConcurrency);
      if (batch.length === 0) break;
      boundary = batch.at(-1) as string;
      const from = compactedFrom(boundary);
      if (from !== undefined) {
        // A compacted object holds ops stamped anywhere in its key range: read the
        // segments of that range still stored too, and the log is known from its start.
        const floor = keyFloor(from);
        for (const k of await keys.nextWhile((at) => at > floor, Infinity)) batch.push(k);
        boundary = floor;
      }
      await readInto(reader, batch, options.readConcurrency, read, positions);
    }
    if (boundary !== undefined && !keys.done) {
      const floor = keyFloor(timeOf(boundary, at) - options.windowMs);
      for (;;) {
        const batch = await keys.nextWhile((at) => at > floor, options.readConcurrency);
        if (batch.length === 0) break;
        await readInto(reader, batch, options.readConcurrency, read, positions);
      }
    }
    const knownFrom = keys.done || boundary === undefined ? null : { key: boundary, line: -1 };
    const state = new RingState(options, at, knownFrom);
    for (const o of [...read].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
      state.applyObject(o.key, o.entries, o.dropped);
    }
    if (state.ring.size >= options.cap || keys.done) return { state, objects: read.length };
    target *= 2;
  }
}

/** The receive time a boundary stands for: a key's stamp, or a listing bound's. */
function timeOf(boundary: string, fallback: number): number {
  return keyTime(boundary) ?? floorTime(boundary) ?? fallback;
}

async function readInto(
  reader: ObjectReader,
  keys: readonly string[],
  concurrency: number,
  read: ListedObject[],
  positions: Set<string>,
): Promise<void> {
  const objects = await mapLimit(keys, concurrency, (key) => reader.read(key));
  for (const object of objects) {
    read.push(object);
    // Ops are counted by where they were first stored: while an hour is being
    // compacted, an op can be in its segment and in the compacted object.
    for (const e of object.entries) positions.add(`${e.key}\n${e.line}`);
  }
}

/**
 * The log's keys, newest first, listed lazily: hour partitions newest
 * first out to the horizon (the first alone, then `listConcurrency` at a
 * time, by explicit prefix), then one complete listing of what is older.
 * Each compacted object comes where its key range ends (see inLogOrder),
 * and is judged by that place (`at`).
 */
class NewestKeys {
  private readonly partitions: string[];
  private listed = 0;
  private pending: PlacedKey[] = [];
  private at = 0;
  private olderListed = false;
  done = false;

  constructor(
    private readonly store: SegmentStore,
    private readonly options: ColdStartOptions,
    at: number,
  ) {
    const { skewMs, coldStartHours } = options;
    // Start from the partition a container whose clock runs ahead could be writing to.
    this.partitions = hourPartitionsBack(at + skewMs, coldStartHours + Math.ceil(skewMs / HOUR_MS));
  }

  /** Up to `n` more keys, newest first; none when the log is exhausted. */
  next(n: number): Promise<string[]> {
    return this.nextWhile(() => true, n);
  }

  /** Up to `n` more keys while `wanted` holds for the place of each, newest first. */
  async nextWhile(wanted: (at: string) => boolean, n: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n) {
      if (this.at === this.pending.length && !(await this.fill())) {
        this.done = true;
        break;
      }
      const placed = this.pending[this.at] as PlacedKey;
      if (!wanted(placed.at)) break;
      out.push(placed.key);
      this.at++;
    }
    return out;
  }

  /** Lists more keys into `pending`; false when nothing is left to list. */
  private async fill(): Promise<boolean> {
    this.pending = [];
    this.at = 0;
    while (this.pending.length === 0) {
      if (this.listed < this.partitions.length) {
        const width = this.listed === 0 ? 1 : this.options.listConcurrency;
        const batch = this.partitions.slice(this.listed, this.listed + width);
        this.listed += batch.length;
        const pages = await mapLimit(batch, width, (p) => collect(this.store.list(p)));
        this.pending = pages.flatMap((keys) => inLogOrder(keys).reverse());
      } else if (!this.olderListed) {
        this.olderListed = true;
        const horizon = this.partitions.at(-1) ?? OPS_ROOT;
        const older: string[] = [];
        for await (const page of this.store.list(OPS_ROOT)) {
          for (const key of page) if (key < horizon) older.push(key);
        }
        this.pending = inLogOrder(older).reverse();
      } else {
        return false;
      }
    }
    return true;
  }
}
