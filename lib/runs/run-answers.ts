import { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { NotFoundError } from '../domain/errors';
import { StoredOpSchema } from '../domain/op';
import { limitParam } from '../domain/query';
import type { PriceTable } from '../platform/prices';
import { buildRun, entriesByTrace, type Run, runTokens } from './runs';
import { PricedUsageSchema } from './usage';

// The answers of GET /observer/runs/{trace_id} and GET /observer/runs: the
// code builds them with these shapes, and the API description is made of them.

const iso = (ms: number) => new Date(ms).toISOString();

const FirstFailureSchema = z
  .object({
    endpoint: z.string(),
    span_id: z.string().nullable(),
    error: z.string().nullable(),
    key: z.string(),
    line: z.number().int().nonnegative(),
  })
  .describe('the failing op that ended first: where the run went wrong');

const RunTokensSchema = z.object({
  total: PricedUsageSchema,
  by_model: z.record(z.string(), PricedUsageSchema),
});

const outcome = z.enum(['succeeded', 'failed']).describe('failed when any op failed');

/** One op of a run: as stored, where, how deep it nests and when it began in the run. */
export const RunOpSchema = z.object({
  key: z.string(),
  line: z.number().int().nonnegative(),
  received_at: z.string(),
  depth: z.number().int().nonnegative().describe('its ancestors in the run (0: a root)'),
  offset_ms: z.number().describe("its start, in ms after the run's start"),
  error_from_log: z
    .literal(true)
    .optional()
    .describe('its error text came from an OTLP error log about its span'),
  op: StoredOpSchema,
});

/** `GET /observer/runs/{trace_id}`: a run as the ring holds it. */
export const RunAnswerSchema = z.object({
  trace_id: z.string(),
  outcome,
  first_failure: FirstFailureSchema.nullable(),
  started_at: z.string(),
  ended_at: z.string(),
  duration_ms: z.number().nonnegative(),
  agent: z.string().nullable().describe("the root op's staffer_id, else the first op's"),
  source: z.string(),
  role: z.string().nullable(),
  scenario: z.string().nullable(),
  conversation_id: z.string().nullable(),
  ops: z.array(RunOpSchema).describe('in start order, parents before their children'),
  tokens: RunTokensSchema,
  may_be_incomplete: z.boolean(),
  incomplete_because: z.array(z.string()).describe('why ops of the run may be missing'),
});
export type RunAnswer = z.infer<typeof RunAnswerSchema>;

/** What the ring says about ops that may have left it. */
export interface RingEdge {
  full: boolean;
  /** The receive time of its oldest op (ms), if any. */
  oldest: number | undefined;
}

function incompleteBecause(run: Run, edge: RingEdge): string[] {
  const why = run.missingParents.map(
    (p) => `span ${p} is the parent of an op of the run but is not in the ring`,
  );
  if (edge.full && edge.oldest !== undefined && run.start < edge.oldest) {
    why.push(
      'the ring is full and the run began before its oldest op was received: earlier ops may have left it',
    );
  }
  return why;
}

function firstFailureOf(run: Run): z.infer<typeof FirstFailureSchema> | null {
  const f = run.firstFailure;
  if (f === undefined) return null;
  const { endpoint, span_id, error } = f.op;
  return { endpoint, span_id: span_id ?? null, error: error ?? null, key: f.key, line: f.line };
}

/**
 * The run of `traceId` in the entries, or a NotFoundError (404) when no op
 * of it is there. `spanErrors` (span id → text, from error logs) fills the
 * error of a failed op that has none.
 */
export function runAnswer(
  entries: Iterable<RingEntry>,
  traceId: string,
  context: { edge: RingEdge; prices: PriceTable; spanErrors?: ReadonlyMap<string, string> },
): RunAnswer {
  const mine = entriesByTrace(entries).get(traceId);
  if (mine === undefined) {
    throw new NotFoundError(`no op of run ${traceId} is in the ring (its newest ops)`);
  }
  const errors = context.spanErrors ?? new Map<string, string>();
  const run = buildRun(traceId, mine);
  const ops = run.entries.map(({ key, line, op, received, depth, start }) => {
    const logged = op.span_id === undefined ? undefined : errors.get(op.span_id);
    const fill = !op.success && (op.error ?? '').trim() === '' && logged !== undefined;
    return {
      key,
      line,
      received_at: iso(received),
      depth,
      offset_ms: start - run.start,
      ...(fill ? { error_from_log: true as const } : {}),
      op: fill ? { ...op, error: logged } : op,
    };
  });
  const why = incompleteBecause(run, context.edge);
  return {
    trace_id: traceId,
    outcome: run.failed ? 'failed' : 'succeeded',
    first_failure: firstFailureOf(run),
    started_at: iso(run.start),
    ended_at: iso(run.end),
    duration_ms: run.end - run.start,
    agent: run.agent ?? null,
    source: run.source,
    role: run.role ?? null,
    scenario: run.scenario ?? null,
    conversation_id: run.conversationId ?? null,
    ops,
    tokens: runTokens(run, context.prices),
    may_be_incomplete: why.length > 0,
    incomplete_because: why,
  };
}

/** Runs one page holds by default, and at most. */
export const DEFAULT_RUNS_LIMIT = 50;
export const MAX_RUNS_LIMIT = 200;

const text = (max: number) =>
  z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` });

/** The query parameters of `GET /observer/runs`; an unknown one is refused. */
export const RunsQuerySchema = z.strictObject({
  outcome: z.enum(['succeeded', 'failed'], { error: 'must be succeeded or failed' }).optional(),
  agent: text(256).optional().describe("the run's agent (its staffer_id)"),
  source: text(64).optional(),
  limit: limitParam(MAX_RUNS_LIMIT).optional(),
});
export type RunsQuery = z.output<typeof RunsQuerySchema>;

/** One run in a listing. */
export const RunSummarySchema = z.object({
  trace_id: z.string(),
  outcome,
  agent: z.string().nullable(),
  source: z.string(),
  role: z.string().nullable(),
  started_at: z.string(),
  duration_ms: z.number().nonnegative(),
  last_received_at: z.string(),
  ops: z.number().int().nonnegative(),
  failed_ops: z.number().int().nonnegative(),
  first_failure: FirstFailureSchema.nullable(),
  tokens: PricedUsageSchema,
});

/** `GET /observer/runs`: the ring's runs, the most recently received first. */
export const RunsAnswerSchema = z.object({
  runs: z.array(RunSummarySchema),
  total: z.number().int().nonnegative().describe('runs in the ring that match'),
  limit: z.number().int(),
});
export type RunsAnswer = z.infer<typeof RunsAnswerSchema>;

/** The runs of the entries that match the query, the most recently received first. */
export function runsAnswer(
  entries: Iterable<RingEntry>,
  query: RunsQuery,
  prices: PriceTable,
): RunsAnswer {
  const limit = query.limit ?? DEFAULT_RUNS_LIMIT;
  const runs = [...entriesByTrace(entries)]
    .map(([id, list]) => buildRun(id, list))
    .filter(
      (r) =>
        (query.outcome === undefined || (query.outcome === 'failed') === r.failed) &&
        (query.agent === undefined || r.agent === query.agent) &&
        (query.source === undefined || r.source === query.source),
    )
    .sort((a, b) => b.lastReceived - a.lastReceived || (a.traceId < b.traceId ? -1 : 1));
  return {
    runs: runs.slice(0, limit).map((r) => ({
      trace_id: r.traceId,
      outcome: r.failed ? 'failed' : 'succeeded',
      agent: r.agent ?? null,
      source: r.source,
      role: r.role ?? null,
      started_at: iso(r.start),
      duration_ms: r.end - r.start,
      last_received_at: iso(r.lastReceived),
      ops: r.entries.length,
      failed_ops: r.entries.filter((e) => !e.op.success).length,
      first_failure: firstFailureOf(r),
      tokens: runTokens(r, prices).total,
    })),
    total: runs.length,
    limit,
  };
}
