import { z } from 'zod';
import { compareEntries, type RingEntry } from '../domain/entry';
import { DEFAULT_SOURCE, type ObservedOp } from '../domain/op';
import { DEFAULT_RING_CAP } from '../platform/limits';
import { Deque } from './deque';

/** How many recent scenario ops stats report. */
export const RECENT_SCENARIOS = 10;

const count = z.number().int().nonnegative();

/** The digest of one scenario op in stats. Absent fields are left out. */
export const ScenarioOpDigestSchema = z.object({
  ts: z.string().describe("the op's timestamp"),
  ok: z.boolean().describe("the op's success"),
  staffer: z.string().optional().describe("the op's staffer_id"),
  kind: z.string().optional().describe("the op's event_kind"),
  role: z.string().optional(),
});
export type ScenarioOpDigest = z.infer<typeof ScenarioOpDigestSchema>;

/** The stats JSON, key for key as the Go and Rust services answer it. */
export const StatsSchema = z.object({
  total: count,
  successes: count,
  failures: count,
  by_source: z.record(z.string(), count),
  recent_scenario_ops: z
    .array(ScenarioOpDigestSchema)
    .describe(`the last ${RECENT_SCENARIOS} ops with source scenario, oldest first`),
});
export type Stats = z.infer<typeof StatsSchema>;

/**
 * The last `cap` ops in log order, with counters kept as ops enter and leave,
 * so stats cost O(sources + 10) however full the ring is, once per change:
 * until an op enters or leaves, every call answers the same (frozen) stats.
 */
export class Ring {
  private readonly entries: Deque<RingEntry>;
  private readonly scenarios = new Deque<RingEntry>();
  private readonly bySource = new Map<string, number>();
  private successes = 0;
  private answer: Stats | undefined;

  constructor(
    readonly cap: number = DEFAULT_RING_CAP,
    /** Told of each entry that leaves by the old end, as a newer one pushes it out. */
    private readonly onEvict?: (entry: RingEntry) => void,
  ) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new RangeError(`ring cap must be >= 1, got ${cap}`);
    this.entries = new Deque(Math.min(cap, 1024));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The oldest entry, if any. */
  oldest(): RingEntry | undefined {
    return this.entries.first();
  }

  /** The newest entry, if any. */
  newest(): RingEntry | undefined {
    return this.entries.last();
  }

  /**
   * Adds an entry in log order and evicts the oldest beyond `cap`. An entry
   * older than everything in a full ring would be evicted at once, so it is
   * not added; returns whether it was.
   */
  insert(entry: RingEntry): boolean {
    const newest = this.entries.last();
    if (newest === undefined || compareEntries(newest, entry) <= 0) {
      this.entries.push(entry);
      if (isScenario(entry)) this.scenarios.push(entry);
    } else {
      const oldest = this.entries.first() as RingEntry;
      if (this.entries.length >= this.cap && compareEntries(entry, oldest) < 0) return false;
      this.entries.insertAt(this.entries.upperBound(entry, compareEntries), entry);
      if (isScenario(entry)) {
        this.scenarios.insertAt(this.scenarios.upperBound(entry, compareEntries), entry);
      }
    }
    this.count(entry.op, 1);
    if (this.entries.length > this.cap) this.evictOldest();
    return true;
  }

  /**
   * Removes the entry stored at `position` (segment key and line), if the
   * ring holds it; returns whether it did.
   */
  remove(position: { key: string; line: number }): boolean {
    const probe = position as RingEntry;
    const index = this.entries.upperBound(probe, compareEntries) - 1;
    const found = this.entries.at(index);
    if (found === undefined || compareEntries(found, probe) !== 0) return false;
    this.entries.removeAt(index);
    if (isScenario(found)) {
      this.scenarios.removeAt(this.scenarios.upperBound(probe, compareEntries) - 1);
    }
    this.count(found.op, -1);
    return true;
  }

  /** Entries oldest first. */
  *[Symbol.iterator](): IterableIterator<RingEntry> {
    yield* this.entries;
  }

  /** The stats JSON over what the ring holds. */
  stats(): Stats {
    this.answer ??= this.buildStats();
    return this.answer;
  }

  private buildStats(): Stats {
    const total = this.entries.length;
    return Object.freeze({
      total,
      successes: this.successes,
      failures: total - this.successes,
      by_source: Object.freeze(Object.fromEntries(this.bySource)),
      recent_scenario_ops: Object.freeze(
        this.scenarios.tail(RECENT_SCENARIOS).map((e) => Object.freeze(digest(e.op))),
      ),
    }) as Stats;
  }

  private evictOldest(): void {
    const gone = this.entries.shift() as RingEntry;
    if (isScenario(gone)) this.scenarios.shift();
    this.count(gone.op, -1);
    this.onEvict?.(gone);
  }

  private count(op: ObservedOp, delta: 1 | -1): void {
    this.answer = undefined;
    if (op.success) this.successes += delta;
    const source = sourceOf(op);
    const n = (this.bySource.get(source) ?? 0) + delta;
    if (n === 0) this.bySource.delete(source);
    else this.bySource.set(source, n);
  }
}

function sourceOf(op: ObservedOp): string {
  return op.source || DEFAULT_SOURCE;
}

function isScenario(entry: RingEntry): boolean {
  return sourceOf(entry.op) === 'scenario';
}

function digest(op: ObservedOp): ScenarioOpDigest {
  const d: ScenarioOpDigest = { ts: op.timestamp, ok: op.success };
  if (op.staffer_id !== undefined) d.staffer = op.staffer_id;
  if (op.event_kind !== undefined) d.kind = op.event_kind;
  if (op.role !== undefined) d.role = op.role;
  return d;
}
