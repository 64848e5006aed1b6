import { collect, mapLimit } from '../platform/concurrency';
import { describeError, log } from '../platform/log';
import { CHECKPOINT_KEY, HOUR_MS, hourPartitionsBack, OPS_ROOT } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { decodeCheckpoint } from './checkpoint';
import { type ListedObject, ObjectReader } from './object-reader';
import { RingState } from './ring-state';

/** How a ring is rebuilt: its size, the skew window, and how far back partitions are walked. */
export interface ColdStartOptions {
  cap: number;
  skewMs: number;
  coldStartHours: number;
  readConcurrency: number;
  listConcurrency: number;
}

/**
 * The state a valid checkpoint describes, or undefined (with a warning) when
 * there is none or it cannot be trusted, so the ring is rebuilt by listing.
 */
export async function stateFromCheckpoint(
  store: SegmentStore,
  cap: number,
): Promise<RingState | undefined> {
  let text: string | undefined;
  try {
    text = await store.getDocument(CHECKPOINT_KEY);
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
  if (checkpoint.cap < cap && checkpoint.entries.length >= checkpoint.cap) {
    log.warn('checkpoint holds fewer ops than the ring needs; rebuilding by listing', {
      checkpoint_cap: checkpoint.cap,
      cap,
    });
    return undefined;
  }
  const state = new RingState(cap, checkpoint.listedAt);
  state.seed(checkpoint.entries, checkpoint.recentIds);
  return state;
}

/**
 * The newest objects holding at least `cap` ops (or all there are): hour
 * partitions newest first, out to the horizon, then one complete listing of
 * what lies before it.
 */
export async function newestObjects(
  store: SegmentStore,
  options: ColdStartOptions,
  at: number,
): Promise<ListedObject[]> {
  const { cap, skewMs, coldStartHours, listConcurrency } = options;
  // Start from the partition a container whose clock runs ahead could be writing to.
  const partitions = hourPartitionsBack(at + skewMs, coldStartHours + Math.ceil(skewMs / HOUR_MS));
  const reader = new NewestFirstReader(store, cap, options.readConcurrency);
  for (let i = 0; i < partitions.length && !reader.full(); ) {
    const width = i === 0 ? 1 : listConcurrency;
    const batch = partitions.slice(i, i + width);
    i += width;
    const listed = await mapLimit(batch, width, (p) => collect(store.list(p)));
    await reader.read(listed.flatMap((keys) => [...keys].reverse()));
  }
  if (!reader.full()) {
    const horizon = partitions.at(-1) ?? OPS_ROOT;
    await reader.read((await keysBefore(store, horizon, cap)).reverse());
  }
  return reader.found;
}

/** The newest `cap` keys under `ops/` that sort before `horizon`, oldest first. */
async function keysBefore(store: SegmentStore, horizon: string, cap: number): Promise<string[]> {
  const older: string[] = [];
  for await (const page of store.list(OPS_ROOT)) {
    for (const key of page) if (key < horizon) older.push(key);
    // Only the newest `cap` keys can matter: every segment holds at least one op.
    if (older.length > 2 * cap) older.splice(0, older.length - cap);
  }
  return older.slice(-cap);
}

/**
 * Reads objects newest first until they hold `cap` ops. Ops are counted by
 * the segment they were first stored in: while an hour is being compacted,
 * an op can be in its segment and in the compacted object, and counts once.
 */
class NewestFirstReader {
  readonly found: ListedObject[] = [];
  private readonly seen = new Set<string>();
  private readonly objects: ObjectReader;
  private held = 0;

  constructor(
    store: SegmentStore,
    private readonly cap: number,
    private readonly concurrency: number,
  ) {
    this.objects = new ObjectReader(store);
  }

  full(): boolean {
    return this.held >= this.cap;
  }

  async read(keysNewestFirst: readonly string[]): Promise<void> {
    const got = await mapLimit(
      keysNewestFirst,
      this.concurrency,
      async (key) => (this.seen.has(key) ? undefined : this.take(key)),
      () => this.full(),
    );
    for (const object of got) if (object) this.found.push(object);
  }

  private async take(key: string): Promise<ListedObject> {
    const object = await this.objects.read(key);
    for (const e of object.entries) if (!this.seen.has(e.key)) this.held++;
    for (const e of object.entries) this.seen.add(e.key);
    return object;
  }
}
