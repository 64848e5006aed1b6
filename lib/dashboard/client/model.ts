// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
// The API's answers are read defensively: a member of the wrong type is read
// as absent, a whole answer of the wrong shape as undefined, so an answer
// from another version of the service never breaks the page.

/** The counters of `GET /observer/stats`. */
export interface Counters {
  total: number;
  successes: number;
  failures: number;
  bySource: [string, number][];
}

/** One row of the failure clusters table. */
export interface ClusterRow {
  endpoint: string;
  template: string;
  count: number;
  share: number;
  lastHour: number;
  hourBefore: number;
  lastSeen: string;
  staffers: string[];
}

/** One row of the latest failing ops table. */
export interface FailingOpRow {
  at: string;
  endpoint: string;
  staffer: string;
  error: string;
  /** The run it belongs to, if it has one: the row links to it. */
  traceId: string;
}

/** One op of a run, as the waterfall draws it. */
export interface WaterfallRow {
  endpoint: string;
  kind: string;
  depth: number;
  offsetMs: number;
  durationMs: number;
  ok: boolean;
  error: string;
  /** The run's first failure: where it went wrong. */
  first: boolean;
}

/** A run of `GET /observer/runs/{trace_id}`. */
export interface RunView {
  traceId: string;
  failed: boolean;
  agent: string;
  durationMs: number;
  tokens: number;
  costUsd: number | null;
  incomplete: string[];
  rows: WaterfallRow[];
}

/** One row of the playbooks table. */
export interface PlaybookRow {
  agent: string;
  role: string;
  runs: number;
  successRate: number;
  path: string[];
  failingStep: string;
  failingTemplate: string;
}

/** The counters, or undefined when the answer is not stats. */
export function counters(body: unknown): Counters | undefined {
  const o = record(body);
  const [total, successes, failures] = [o.total, o.successes, o.failures];
  if (typeof total !== 'number' || typeof successes !== 'number') return undefined;
  if (typeof failures !== 'number') return undefined;
  const bySource = Object.entries(record(o.by_source))
    .filter((e): e is [string, number] => typeof e[1] === 'number')
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return { total, successes, failures, bySource };
}

/** The clusters of `GET /observer/failures`, in the order given (most ops first). */
export function clusters(body: unknown): ClusterRow[] | undefined {
  const clusters = record(body).clusters;
  if (!Array.isArray(clusters)) return undefined;
  return clusters.map((c) => {
    const o = record(c);
    const trend = record(o.trend);
    return {
      endpoint: text(o.endpoint),
      template: text(o.template),
      count: count(o.count),
      share: count(o.share),
      lastHour: count(trend.last_hour),
      hourBefore: count(trend.hour_before),
      lastSeen: text(o.last_seen),
      staffers: Array.isArray(o.staffers) ? o.staffers.map((s) => text(s)) : [],
    };
  });
}

/** The ops of `GET /observer/ops`, newest first as given. */
export function failingOps(body: unknown): FailingOpRow[] | undefined {
  const ops = record(body).ops;
  if (!Array.isArray(ops)) return undefined;
  return ops.map((item) => {
    const o = record(item);
    const op = record(o.op);
    return {
      at: text(o.received_at) || text(op.timestamp),
      endpoint: text(op.endpoint),
      staffer: text(op.staffer_id),
      error: text(op.error),
      traceId: text(op.trace_id),
    };
  });
}

/** The run of `GET /observer/runs/{trace_id}`, or undefined for another shape. */
export function runView(body: unknown): RunView | undefined {
  const o = record(body);
  if (!Array.isArray(o.ops) || typeof o.trace_id !== 'string') return undefined;
  const first = record(o.first_failure);
  const firstKey = `${text(first.key)}#${count(first.line)}`;
  const total = record(record(o.tokens).total);
  return {
    traceId: o.trace_id,
    failed: o.outcome === 'failed',
    agent: text(o.agent),
    durationMs: count(o.duration_ms),
    tokens: count(total.input_tokens) + count(total.output_tokens),
    costUsd: typeof total.cost_usd === 'number' ? total.cost_usd : null,
    incomplete: Array.isArray(o.incomplete_because) ? o.incomplete_because.map(text) : [],
    rows: o.ops.map((item) => {
      const i = record(item);
      const op = record(i.op);
      return {
        endpoint: text(op.endpoint),
        kind: text(op.event_kind),
        depth: count(i.depth),
        offsetMs: count(i.offset_ms),
        durationMs: count(op.duration_ms),
        ok: op.success === true,
        error: text(op.error),
        first: `${text(i.key)}#${count(i.line)}` === firstKey,
      };
    }),
  };
}

/** The playbooks of `GET /observer/playbooks`, most runs first as given. */
export function playbooks(body: unknown): PlaybookRow[] | undefined {
  const list = record(body).playbooks;
  if (!Array.isArray(list)) return undefined;
  return list.map((p) => {
    const o = record(p);
    const failing = record(o.failing_step);
    const path = record(o.path).steps;
    return {
      agent: text(o.agent) || text(o.scenario),
      role: text(o.role),
      runs: count(o.runs),
      successRate: count(o.success_rate),
      path: Array.isArray(path) ? path.map(text) : [],
      failingStep: text(failing.step),
      failingTemplate: text(record(failing.cluster).template),
    };
  });
}

/**
 * Whether a cluster's last hour is a significant rise over the hour before:
 * that many failures would come by chance less than once in a hundred at
 * the hour before's rate (at least 1 an hour; a one-sided Poisson test, as
 * the issues' trend), so 1 vs 0 or 3 vs 1 is no rise.
 */
export function risingSignificantly(lastHour: number, hourBefore: number): boolean {
  const lambda = Math.max(1, hourBefore);
  if (lastHour <= lambda) return false;
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < lastHour && term > 0; i++) {
    below += term;
    term *= lambda / (i + 1);
  }
  return 1 - below < 0.01;
}

/** successes ÷ total as a percentage with one decimal, or an em dash for no ops. */
export function successRate(c: Counters): string {
  return c.total === 0 ? '—' : `${((c.successes / c.total) * 100).toFixed(1)}%`;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
