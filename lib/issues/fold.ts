import { compareEntries, type RingEntry } from '../domain/entry';
import { DEFAULT_RETRY_WINDOW_MS } from '../domain/retries';
import { mapLimit } from '../platform/concurrency';
import { COMPACT_SETTLE_MS } from '../platform/limits';
import { describeError, log } from '../platform/log';
import { ObjectReader } from '../ring/object-reader';
import { ConcurrentWriteError } from '../storage/errors';
import {
  HOUR_MS,
  ISSUES_STATE_KEY,
  keyFloor,
  keyTime,
  OPS_ROOT,
  partitionOf,
  partitionStart,
} from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import type { IssueBook, Transition } from './book';
import type { EscalationThresholds } from './lifecycle';
import { type IssueRules, RulesReader } from './rules';
import { bookOf, emptyBook, encodeStateBytes, parseStateBytes } from './state';

/** How the fold reads the log and judges the lifecycle. */
export interface FoldOptions {
  /** Segments land at most this late (OBSERVER_SKEW_MS): the fold reads only keys older than that. */
  skewMs: number;
  retryWindowMs?: number;
  thresholds: EscalationThresholds;
  /** Objects one round reads at most (an hour compaction may be merging is read whole). */
  maxObjects?: number;
  /**
   * An hour that closed at least this long ago may be being compacted, and
   * is read whole (default COMPACT_SETTLE_MS: the earliest compaction plans
   * an hour, in parts that sort after all of its segments).
   */
  compactionMarginMs?: number;
  readConcurrency?: number;
  now?: () => number;
}

/** What one round did. */
export interface FoldResult {
  /** Objects read. */
  objects: number;
  /** Ops counted (the retry rule applied), failed ones among them, and retries left out. */
  ops: number;
  failures: number;
  retries: number;
  /** Transitions into escalating or regressed this round found. */
  transitions: Transition[];
  /** Whether the state was written (false: nothing new). */
  written: boolean;
  /** Whether the round stopped short of the skew bound: another round has more to read. */
  behind: boolean;
  /** Rounds lost to another folder's write first. */
  conflicts: number;
}

/**
 * An hour that closed this long ago may be being compacted (in parts, each
 * written before the segments of its range are deleted, all sorting after
 * the hour's segments): the fold reads it whole.
 */
const COMPACTION_MARGIN_MS = COMPACT_SETTLE_MS;
const ATTEMPTS = 4;

/** One item of the log in a round: a copy that counts or not, at its place, received at `ms`. */
interface Item {
  key: string;
  line: number;
  ms: number;
  entry?: RingEntry;
  droppedId?: string;
}

/**
 * The one writer of the issue state (docs/issues.md, "The fold"). Each
 * `fold` lists the segment keys after its watermark and older than the
 * skew window, reads each object once, applies the retry rule and counts
 * every failed op into its issue in log order, judges the lifecycle, and
 * writes the state over the version it read (If-Match). When another
 * folder wrote first, it reloads and folds again: the log is counted once,
 * by whichever write wins.
 */
export class IssueFolder {
  private book?: IssueBook;
  private etag: string | null = null;
  private readonly rules: RulesReader;
  private readonly now: () => number;

  constructor(
    readonly store: SegmentStore,
    readonly options: FoldOptions,
  ) {
    this.rules = new RulesReader(store);
    this.now = options.now ?? Date.now;
  }

  /** The book as last folded (loaded first if need be). */
  async current(): Promise<IssueBook> {
    this.book ??= await this.load();
    return this.book;
  }

  /** One round; a round that loses the conditional write is folded again from the winner's state. */
  async fold(): Promise<FoldResult> {
    let conflicts = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const book = await this.current();
        const result = await foldRound(this.store, book, await this.rules.read(), {
          ...this.options,
          listedAt: this.now(),
        });
        if (!result.changed) return { ...result.summary, written: false, conflicts };
        const body = encodeStateBytes(book, new Date(this.now()));
        this.etag = await this.store.putObject(ISSUES_STATE_KEY, body, this.etag);
        return { ...result.summary, written: true, conflicts };
      } catch (err: unknown) {
        // The book may hold a round that was not stored: the next round starts from the store.
        this.book = undefined;
        if (!(err instanceof ConcurrentWriteError) || attempt === ATTEMPTS) throw err;
        conflicts++;
        log.info('issue state written by another folder; folding again from it', { attempt });
      }
    }
  }

  private async load(): Promise<IssueBook> {
    const found = await this.store.getObject(ISSUES_STATE_KEY);
    this.etag = found?.etag ?? null;
    if (found === undefined) return emptyBook();
    const state = parseStateBytes(found.body);
    if (!('error' in state)) return bookOf(state);
    // Folding the log again from its start rebuilds it; the write replaces the unreadable one.
    log.error('issue state unreadable; folding the whole log again', { reason: state.error });
    return emptyBook();
  }
}

/** What a round changed in the book, and its summary. */
interface RoundResult {
  changed: boolean;
  summary: Omit<FoldResult, 'written' | 'conflicts'>;
}

/**
 * Folds into `book` what the log holds after `book.after` and before the
 * skew bound of `listedAt` (at most `maxObjects` objects; an old hour
 * whole), then judges the lifecycle at the time the book is complete to.
 */
export async function foldRound(
  store: SegmentStore,
  book: IssueBook,
  rules: IssueRules,
  options: FoldOptions & { listedAt: number },
): Promise<RoundResult> {
  const bound = keyFloor(options.listedAt - options.skewMs);
  const listed =
    book.after >= bound
      ? { keys: [], complete: true }
      : await listRound(store, book.after, bound, options);
  const upper = listed.complete ? bound : (listed.keys.at(-1) as string);
  const items = await readItems(store, listed.keys, book.after, upper, options);
  const before = book.transitions.length;
  const merges = book.applyMerges(rules);
  const counted = countItems(book, items, rules, options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS);
  if (listed.keys.length > 0 || book.after < bound) {
    book.after = upper;
    book.position = listed.complete
      ? options.listedAt - options.skewMs
      : (keyTime(upper) ?? book.position);
  }
  const judged = book.evaluate(book.position, options.thresholds);
  book.prune(
    book.position,
    Math.max(options.thresholds.windowMinutes, 60) + 60,
    options.retryWindowMs ?? DEFAULT_RETRY_WINDOW_MS,
  );
  const transitions = book.transitions.slice(before);
  return {
    changed: listed.keys.length > 0 || merges > 0 || judged,
    summary: { objects: listed.keys.length, ...counted, transitions, behind: !listed.complete },
  };
}

/** The keys after `after` and below `bound`, up to `maxObjects` (an old hour to its end). */
async function listRound(
  store: SegmentStore,
  after: string,
  bound: string,
  options: FoldOptions & { listedAt: number },
): Promise<{ keys: string[]; complete: boolean }> {
  const max = options.maxObjects ?? 1000;
  const keys: string[] = [];
  for await (const page of store.list(OPS_ROOT, after)) {
    for (const key of page) {
      if (key >= bound) return { keys, complete: true };
      const last = keys.at(-1);
      if (keys.length >= max && last !== undefined) {
        // Compaction writes an hour's object before it deletes the hour's segments and the
        // object sorts last: a listing cut inside such an hour could miss segments it deleted.
        const partition = partitionOf(last);
        const margin = options.compactionMarginMs ?? COMPACTION_MARGIN_MS;
        if (
          partitionOf(key) !== partition ||
          !mayBeCompacted(partition, options.listedAt, margin)
        ) {
          return { keys, complete: false };
        }
      }
      keys.push(key);
    }
  }
  return { keys, complete: true };
}

function mayBeCompacted(partition: string, now: number, marginMs: number): boolean {
  const start = partitionStart(partition);
  return start !== undefined && start + HOUR_MS <= now - marginMs;
}

/**
 * The items of the listed objects whose original key lies in (after,
 * upper], each original segment taken once (from the first object that
 * holds it: its own segment, or a compacted hour with the retries it
 * dropped), in log order.
 */
async function readItems(
  store: SegmentStore,
  keys: readonly string[],
  after: string,
  upper: string,
  options: FoldOptions,
): Promise<Item[]> {
  const reader = new ObjectReader(store);
  const objects = await mapLimit(keys, options.readConcurrency ?? 16, (k) => reader.read(k));
  const taken = new Set<string>();
  const items: Item[] = [];
  const inRange = (key: string) => key > after && key <= upper;
  for (const o of objects) {
    const here = new Set<string>();
    for (const e of o.entries) {
      if (!inRange(e.key) || taken.has(e.key)) continue;
      here.add(e.key);
      items.push({ key: e.key, line: e.line, ms: keyTime(e.key) ?? 0, entry: e });
    }
    for (const d of o.dropped) {
      if (!inRange(d.key) || taken.has(d.key)) continue;
      here.add(d.key);
      items.push({ key: d.key, line: d.line, ms: keyTime(d.key) ?? 0, droppedId: d.id });
    }
    for (const k of here) taken.add(k);
  }
  return items.sort(compareEntries);
}

/** Applies the retry rule to the items, in log order, and counts those that count. */
function countItems(
  book: IssueBook,
  items: readonly Item[],
  rules: IssueRules,
  windowMs: number,
): { ops: number; failures: number; retries: number } {
  const out = { ops: 0, failures: 0, retries: 0 };
  for (const item of items) {
    const id = item.droppedId ?? item.entry?.op.id;
    if (id !== undefined) {
      const previous = book.copies.get(id);
      book.copies.set(id, item.ms);
      if (item.droppedId !== undefined) continue;
      if (previous !== undefined && item.ms - previous < windowMs) {
        out.retries++;
        continue;
      }
    }
    if (!item.entry) continue;
    book.countOp(item.entry, item.ms, rules);
    out.ops++;
    if (!item.entry.op.success) out.failures++;
  }
  return out;
}

/** Logs a fold that failed; the snapshot goes on without it. */
export function logFoldFailure(err: unknown): void {
  log.error('issue fold failed; the next round starts from the last state written', {
    ...describeError(err),
  });
}
