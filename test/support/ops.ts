import type { ObservedOp } from '../../lib/domain/op';
import { DEFAULT_MODEL_PRICES } from '../../lib/platform/prices';
import { type ScenarioOpDigest, type Stats, tokensOf } from '../../lib/ring/ring';
import { pricedStats, type StatsAnswer } from '../../lib/runs/usage';

/** The time an op made by `op()` carries unless told otherwise. */
export const OP_TIME = '2026-11-24T21:15:03.123Z';

const SERIES_SOURCES = ['mcp', 'scenario', 'langfuse'] as const;

/** A stored op (defaults applied), named by its endpoint: `op('tools/list', { success: false })`. */
export function op(endpoint = 'tools/call', fields: Partial<ObservedOp> = {}): ObservedOp {
  return { endpoint, success: true, timestamp: OP_TIME, source: 'mcp', ...fields };
}

/**
 * The i-th op of a mixed series, its known fields in the schema's order:
 * endpoint `e{i}`, a failure when i is a multiple of 4, the source turning
 * through mcp, scenario and langfuse, staffer `w-{i}`, stamped i ms after
 * 12:00 UTC on 2026-11-24.
 */
export function nthOp(i: number, fields: Partial<ObservedOp> = {}): ObservedOp {
  return {
    endpoint: `e${i}`,
    success: i % 4 !== 0,
    timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, 0, i)).toISOString(),
    source: SERIES_SOURCES[i % 3] as string,
    staffer_id: `w-${i}`,
    ...fields,
  };
}

/** Ops `from` to `from + n - 1` of the series, with the same extra fields each. */
export function nthOps(n: number, from = 0, fields: Partial<ObservedOp> = {}): ObservedOp[] {
  return Array.from({ length: n }, (_, i) => nthOp(from + i, fields));
}

/**
 * The stats a ring holding exactly these ops (oldest first) answers,
 * counted from scratch, independently of lib/ring.
 */
export function statsOf(ops: readonly ObservedOp[]): Stats {
  const bySource: Record<string, number> = {};
  const scenarios: ScenarioOpDigest[] = [];
  let successes = 0;
  for (const o of ops) {
    const source = o.source || 'mcp';
    bySource[source] = (bySource[source] ?? 0) + 1;
    if (o.success) successes++;
    if (source === 'scenario') {
      scenarios.push({
        ts: o.timestamp,
        ok: o.success,
        ...(o.staffer_id !== undefined ? { staffer: o.staffer_id } : {}),
        ...(o.event_kind !== undefined ? { kind: o.event_kind } : {}),
        ...(o.role !== undefined ? { role: o.role } : {}),
      });
    }
  }
  return {
    total: ops.length,
    successes,
    failures: ops.length - successes,
    by_source: bySource,
    recent_scenario_ops: scenarios.slice(-10),
    tokens: expectedTokens(ops),
  };
}

/** The tokens section stats give for these ops, computed the plain way. */
export function expectedTokens(ops: readonly ObservedOp[]): Stats['tokens'] {
  const usage = new Map<
    string,
    Map<string, { ops: number; input_tokens: number; output_tokens: number }>
  >();
  for (const o of ops) {
    if (o.model === undefined && o.input_tokens === undefined && o.output_tokens === undefined) {
      continue;
    }
    const models = usage.get(o.staffer_id ?? '(none)') ?? new Map();
    const u = models.get(o.model ?? '(unknown)') ?? { ops: 0, input_tokens: 0, output_tokens: 0 };
    models.set(o.model ?? '(unknown)', {
      ops: u.ops + 1,
      input_tokens: u.input_tokens + (o.input_tokens ?? 0),
      output_tokens: u.output_tokens + (o.output_tokens ?? 0),
    });
    usage.set(o.staffer_id ?? '(none)', models);
  }
  return tokensOf(usage);
}

/** The stats answer (`GET /observer/stats`) for these ops: statsOf, its tokens priced with the defaults. */
export function statsAnswerOf(ops: readonly ObservedOp[]): StatsAnswer {
  return pricedStats(statsOf(ops), DEFAULT_MODEL_PRICES);
}
