import type { ObservedOp } from '../../lib/domain/op';
import type { ScenarioOpDigest, Stats } from '../../lib/ring/ring';

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
  };
}
