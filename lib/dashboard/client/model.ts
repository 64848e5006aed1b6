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

/** One snapshot of `GET /observer/stats/history`, as the chart draws it. */
export interface HistoryPoint {
  at: number;
  total: number;
  failures: number;
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

/** The history's snapshots, oldest first; those without a time or counts are left out. */
export function history(body: unknown): HistoryPoint[] | undefined {
  const snapshots = record(body).snapshots;
  if (!Array.isArray(snapshots)) return undefined;
  const points: HistoryPoint[] = [];
  for (const s of snapshots) {
    const o = record(s);
    const at = Date.parse(text(o.generated_at));
    if (Number.isNaN(at) || typeof o.total !== 'number' || typeof o.failures !== 'number') {
      continue;
    }
    points.push({ at, total: o.total, failures: o.failures });
  }
  return points.sort((a, b) => a.at - b.at);
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
    };
  });
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
