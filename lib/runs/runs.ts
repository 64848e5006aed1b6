import type { RingEntry } from '../domain/entry';
import type { ObservedOp } from '../domain/op';
import type { PriceTable } from '../platform/prices';
import { receivedAt } from '../ring/ops-query';
import { NO_AGENT, NO_MODEL, type Usage } from '../ring/ring';
import { type PricedUsage, priceUsage } from './usage';

// A run is the ops of one trace_id in the ring: where each began and ended,
// how they nest (parent_span_id), whether the run failed and where first.
// Pure: the handlers give it the ring's entries.

/** An op of a run with what the run view needs of it. */
export interface RunEntry extends RingEntry {
  /** Start and end, ms since the epoch (its timestamp, and that plus its duration). */
  start: number;
  end: number;
  /** When the service received it (the time in its key). */
  received: number;
  /** How many of its ancestors are in the run. */
  depth: number;
  /** Whether another op of the run names it as its parent. */
  hasChildren: boolean;
}

/** One run, built from its entries. */
export interface Run {
  traceId: string;
  /** Its ops in start order (parents before children when they start together). */
  entries: RunEntry[];
  failed: boolean;
  /** The failing op that ended first (the cause, before the ops around it failed too). */
  firstFailure: RunEntry | undefined;
  start: number;
  end: number;
  lastReceived: number;
  agent: string | undefined;
  source: string;
  role: string | undefined;
  scenario: string | undefined;
  conversationId: string | undefined;
  /** Parent span ids that no op of the run has. */
  missingParents: string[];
}

/** The ring's entries grouped by trace_id, in log order within each. */
export function entriesByTrace(entries: Iterable<RingEntry>): Map<string, RingEntry[]> {
  const out = new Map<string, RingEntry[]>();
  for (const e of entries) {
    const id = e.op.trace_id;
    if (id === undefined) continue;
    const list = out.get(id);
    if (list) list.push(e);
    else out.set(id, [e]);
  }
  return out;
}

/** A run of the entries of one trace (not empty). */
export function buildRun(traceId: string, entries: readonly RingEntry[]): Run {
  const spans = new Map<string, RingEntry>();
  for (const e of entries) if (e.op.span_id !== undefined) spans.set(e.op.span_id, e);
  const parents = new Set(entries.map((e) => e.op.parent_span_id).filter((p) => p !== undefined));
  const runEntries = entries.map((e): RunEntry => {
    const start = Date.parse(e.op.timestamp);
    return {
      ...e,
      start,
      end: start + (e.op.duration_ms ?? 0),
      received: receivedAt(e),
      depth: depthOf(e.op, spans),
      hasChildren: e.op.span_id !== undefined && parents.has(e.op.span_id),
    };
  });
  runEntries.sort((a, b) => a.start - b.start || a.depth - b.depth);
  const failures = runEntries.filter((e) => !e.op.success);
  const firstFailure = [...failures].sort((a, b) => a.end - b.end || b.depth - a.depth)[0];
  const roots = runEntries.filter((e) => e.depth === 0);
  const first = <T>(pick: (op: ObservedOp) => T | undefined) =>
    [...roots, ...runEntries].map((e) => pick(e.op)).find((v) => v !== undefined);
  return {
    traceId,
    entries: runEntries,
    failed: failures.length > 0,
    firstFailure,
    start: Math.min(...runEntries.map((e) => e.start)),
    end: Math.max(...runEntries.map((e) => e.end)),
    lastReceived: Math.max(...runEntries.map((e) => e.received)),
    agent: first((op) => op.staffer_id),
    source: first((op) => op.source) as string,
    role: first((op) => op.role),
    scenario: first((op) => op.scenario),
    conversationId: first((op) => op.conversation_id),
    missingParents: [...parents].filter((p) => !spans.has(p)),
  };
}

function depthOf(op: ObservedOp, spans: ReadonlyMap<string, RingEntry>): number {
  let depth = 0;
  let parent = op.parent_span_id;
  while (parent !== undefined && depth < 256) {
    const up = spans.get(parent);
    if (up === undefined) break;
    depth++;
    parent = up.op.parent_span_id;
  }
  return depth;
}

/** A run's steps: the endpoints of its leaf ops (no op of the run inside them) in start order. */
export function stepsOf(run: Run): string[] {
  return run.entries.filter((e) => !e.hasChildren).map((e) => e.op.endpoint);
}

/** A run's tokens per model, priced, and their total. */
export function runTokens(
  run: Run,
  prices: PriceTable,
): { total: PricedUsage; by_model: Record<string, PricedUsage> } {
  const byModel = new Map<string, Usage>();
  for (const { op } of run.entries) {
    if (op.model === undefined && op.input_tokens === undefined && op.output_tokens === undefined) {
      continue;
    }
    const key = op.model ?? NO_MODEL;
    const u = byModel.get(key) ?? { ops: 0, input_tokens: 0, output_tokens: 0 };
    byModel.set(key, {
      ops: u.ops + 1,
      input_tokens: u.input_tokens + (op.input_tokens ?? 0),
      output_tokens: u.output_tokens + (op.output_tokens ?? 0),
    });
  }
  const priced = [...byModel.keys()]
    .sort()
    .map((m) => [m, priceUsage(m, byModel.get(m) as Usage, prices)] as const);
  const total = { ops: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 as number | null };
  let anyPriced = priced.length === 0;
  for (const [, u] of priced) {
    total.ops += u.ops;
    total.input_tokens += u.input_tokens;
    total.output_tokens += u.output_tokens;
    if (u.cost_usd !== null) {
      total.cost_usd = (total.cost_usd ?? 0) + u.cost_usd;
      anyPriced = true;
    }
  }
  if (!anyPriced) total.cost_usd = null;
  else total.cost_usd = Math.round((total.cost_usd ?? 0) * 1_000_000) / 1_000_000;
  return { total, by_model: Object.fromEntries(priced) };
}

/** The agent key of a run in listings and playbooks. */
export const agentKey = (run: Run) => run.agent ?? NO_AGENT;
