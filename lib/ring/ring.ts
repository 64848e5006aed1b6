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

/** Tokens counted over some ops: the ops that carry a model or tokens, and their tokens. */
export const UsageSchema = z.object({
  ops: count.describe('ops with a model or token counts'),
  input_tokens: count,
  output_tokens: count,
});
export type Usage = z.infer<typeof UsageSchema>;

/** Tokens by model, and by agent (staffer_id) and model within it. */
export const TokensSchema = z.object({
  by_model: z
    .record(z.string(), UsageSchema)
    .describe('by the op\'s model; "(unknown)" for tokens without one'),
  by_agent: z
    .record(z.string(), UsageSchema.extend({ by_model: z.record(z.string(), UsageSchema) }))
    .describe('by the op\'s staffer_id (its agent); "(none)" without one'),
});
export type Tokens = z.infer<typeof TokensSchema>;

/** The agent key of ops without a staffer, and the model key of tokens without a model. */
export const NO_AGENT = '(none)';
export const NO_MODEL = '(unknown)';

/** The stats JSON, key for key as the Go and Rust services answer it, and the tokens. */
export const StatsSchema = z.object({
  total: count,
  successes: count,
  failures: count,
  by_source: z.record(z.string(), count),
  recent_scenario_ops: z
    .array(ScenarioOpDigestSchema)
    .describe(`the last ${RECENT_SCENARIOS} ops with source scenario, oldest first`),
  tokens: TokensSchema.describe('the tokens of the ops in the ring (model calls)'),
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
  /** Usage by agent, then model: what the tokens section is built from. */
  private readonly usage = new Map<string, Map<string, Usage>>();
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
      tokens: tokensOf(this.usage),
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
    countUsage(this.usage, op, delta);
  }
}

/** Adds (or takes away) an op's tokens under its agent and model; ops without any are left out. */
function countUsage(usage: Map<string, Map<string, Usage>>, op: ObservedOp, delta: 1 | -1): void {
  const { model, input_tokens, output_tokens } = op;
  if (model === undefined && input_tokens === undefined && output_tokens === undefined) return;
  const agent = op.staffer_id ?? NO_AGENT;
  const models = usage.get(agent) ?? new Map<string, Usage>();
  const key = model ?? NO_MODEL;
  const u = models.get(key) ?? { ops: 0, input_tokens: 0, output_tokens: 0 };
  const next = {
    ops: u.ops + delta,
    input_tokens: u.input_tokens + delta * (input_tokens ?? 0),
    output_tokens: u.output_tokens + delta * (output_tokens ?? 0),
  };
  if (next.ops === 0) models.delete(key);
  else models.set(key, next);
  if (models.size === 0) usage.delete(agent);
  else usage.set(agent, models);
}

/** Adds one usage to another. */
export function addUsage(a: Usage, b: Usage): Usage {
  return {
    ops: a.ops + b.ops,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
  };
}

const NO_USAGE: Usage = { ops: 0, input_tokens: 0, output_tokens: 0 };

/** The tokens section from usage by agent and model, names in order. */
export function tokensOf(usage: ReadonlyMap<string, ReadonlyMap<string, Usage>>): Tokens {
  const byModel = new Map<string, Usage>();
  const byAgent: Tokens['by_agent'] = {};
  for (const agent of [...usage.keys()].sort()) {
    const models = usage.get(agent) as ReadonlyMap<string, Usage>;
    let total = NO_USAGE;
    const perModel: Record<string, Usage> = {};
    for (const model of [...models.keys()].sort()) {
      const u = models.get(model) as Usage;
      perModel[model] = u;
      total = addUsage(total, u);
      byModel.set(model, addUsage(byModel.get(model) ?? NO_USAGE, u));
    }
    byAgent[agent] = { ...total, by_model: perModel };
  }
  const sorted = [...byModel.keys()].sort().map((m) => [m, byModel.get(m) as Usage] as const);
  return { by_model: Object.fromEntries(sorted), by_agent: byAgent };
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
