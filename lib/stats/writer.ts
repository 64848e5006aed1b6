import { randomBytes } from 'node:crypto';
import type { RingEntry } from '../domain/entry';
import { clusterFailures } from '../failures/clustering/clusters';
import type { FailureCluster } from '../failures/clustering/report';
import type { IssueBook } from '../issues/book';
import { type FoldResult, type IssueFolder, logFoldFailure } from '../issues/fold';
import { MINUTE_MS } from '../issues/tally';
import { encodeCheckpoint, encodeCopies } from '../ring/checkpoint';
import type { Observer } from '../ring/observer';
import type { RingState } from '../ring/ring-state';
import { playbooks } from '../runs/playbooks';
import {
  CHECKPOINT_KEY,
  copiesKey,
  LATEST_STATS_KEY,
  PLAYBOOKS_KEY,
  statsHourKey,
  statsMinuteKey,
} from '../storage/keys';
import { clusterDigests } from './cluster-digest';
import { addToHour } from './history';
import { type StatsSnapshot, statsSnapshot } from './snapshot';

/**
 * Refreshes the observer's ring, then writes the minute's stats snapshot
 * (with the ring's largest failure clusters), the latest snapshot, the
 * hour's history, the playbooks of the ring's runs and the ring checkpoint. Each write is one whole object,
 * and the checkpoint is written last and only from a refreshed ring, so a
 * crash at any point leaves the previous checkpoint (or a complete new one)
 * and never one that claims ops it does not hold.
 */
export async function writeSnapshot(
  observer: Observer,
  folder?: IssueFolder,
): Promise<StatsSnapshot> {
  return (await takeSnapshot(observer, folder)).snapshot;
}

/** A written snapshot, with the ring and the failure clusters it was made from. */
export interface TakenSnapshot {
  snapshot: StatsSnapshot;
  /** The refreshed ring's entries, oldest first. */
  entries: RingEntry[];
  clusters: FailureCluster[];
  /** The clock the snapshot was taken at (ms since the epoch). */
  now: number;
  /** The issues as folded just before the snapshot; undefined when the fold failed. */
  book?: IssueBook | undefined;
  /** What the fold did. */
  fold?: FoldResult | undefined;
}

/**
 * `writeSnapshot`, handing back the ring and clusters too, so what runs
 * after it in the same invocation (escalation) neither refreshes the ring
 * again nor mines its failures twice.
 */
export async function takeSnapshot(
  observer: Observer,
  folder?: IssueFolder,
): Promise<TakenSnapshot> {
  const state = await observer.current();
  const folded = folder ? await foldSafely(folder) : undefined;
  const at = new Date(observer.now());
  const { store } = observer;
  const ring = state.ring;
  const entries = [...ring];
  const clusters = clusterFailures(entries, at.getTime());
  const snap: StatsSnapshot = {
    ...statsSnapshot(ring.stats(), ring.oldest(), ring.newest(), at),
    clusters: clusterDigests(clusters),
    ...(folded ? rateOf(folded.book) : {}),
  };
  const doc = JSON.stringify(snap);
  await store.putDocument(statsMinuteKey(at), doc);
  await store.putDocument(LATEST_STATS_KEY, doc);
  await addToHour(store, statsHourKey(at), snap);
  // The playbooks of the ring's runs: GET /observer/playbooks reads this one document.
  await store.putDocument(PLAYBOOKS_KEY, JSON.stringify(playbooks(entries, at.getTime())));
  // Once a minute, a new copies document: the checkpoints of the minute extend it.
  await writeCheckpoint(observer, state, at, true);
  return { snapshot: snap, entries, clusters, now: at.getTime(), ...folded };
}

/** Folds the log into the issues once; a failure is logged and answered undefined. */
async function foldSafely(
  folder: IssueFolder,
): Promise<{ book: IssueBook; fold: FoldResult } | undefined> {
  try {
    const fold = await folder.fold();
    return { book: await folder.current(), fold };
  } catch (err: unknown) {
    logFoldFailure(err);
    return undefined;
  }
}

/**
 * The ops and failed ops of the last minute the fold has complete, counted
 * from the log (not the ring, which holds only the newest ops).
 */
function rateOf(book: IssueBook): Pick<StatsSnapshot, 'rate'> {
  if (book.position === 0) return {};
  const minute = Math.floor(book.position / MINUTE_MS) - 1;
  const [ops, failures] = book.totals.get(minute) ?? [0, 0];
  return { rate: { minute: new Date(minute * MINUTE_MS).toISOString(), ops, failures } };
}

/**
 * Writes the state's checkpoint, as of `at`: what cold starts start from
 * and readers answer from. With a new copies document when `full` is asked
 * for (or the state has none to extend), written first: a checkpoint never
 * names a copies document that is not there.
 */
export async function writeCheckpoint(
  observer: Observer,
  state: RingState,
  at: Date,
  full = false,
): Promise<void> {
  const newKey =
    full || state.needsNewCopies()
      ? copiesKey(state.watermark, randomBytes(4).toString('hex'))
      : undefined;
  const checkpoint = state.checkpoint(observer.options.skewMs, newKey);
  if (checkpoint.copies) {
    await observer.store.putDocument(
      checkpoint.copiesKey,
      encodeCopies(checkpoint.listedAt, checkpoint.copies),
    );
  }
  await observer.store.putDocument(CHECKPOINT_KEY, encodeCheckpoint(checkpoint, at));
  if (checkpoint.copies) state.noteCopiesWritten(checkpoint.copiesKey);
}

/** How long the snapshot function keeps the checkpoint fresh, and how often. */
export interface FreshCheckpointOptions {
  intervalMs: number;
  /** Folds the log into the issues in each round too, when given. */
  folder?: IssueFolder;
  /** Checked before each round: false ends the loop (the invocation's time is running out). */
  continueWhile: () => boolean;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * While ops keep arriving, refreshes the ring every `intervalMs` and writes
 * the checkpoint whenever it changed, so every reader can answer from one
 * shared, fresh checkpoint instead of each reading every new segment; and
 * folds the log into the issues, so each fold reads a couple of seconds of
 * segments and no rate of failures outruns it. A round that finds nothing
 * new (and leaves no fold behind) ends it: an idle service costs nothing
 * more than its one snapshot a minute. Returns how many checkpoints it wrote.
 */
export async function keepCheckpointFresh(
  observer: Observer,
  options: FreshCheckpointOptions,
): Promise<number> {
  if (!options.continueWhile()) return 0;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last = await observer.current();
  let seen = last.version;
  let written = 0;
  while (options.continueWhile()) {
    await sleep(options.intervalMs);
    if (!options.continueWhile()) break;
    const state = await observer.current();
    const fold = options.folder ? await foldSafely(options.folder) : undefined;
    const foldBusy = fold !== undefined && (fold.fold.objects > 0 || fold.fold.behind);
    if (state === last && state.version === seen) {
      if (foldBusy) continue;
      break;
    }
    await writeCheckpoint(observer, state, new Date(observer.now()));
    written++;
    last = state;
    seen = state.version;
  }
  return written;
}
