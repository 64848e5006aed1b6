// Runs in the browser: bundled into the page's script by `npm run build:dashboard`.
// The issue routes' answers and the review's, read defensively as model.ts
// reads the others: a member of the wrong type reads as absent, an answer
// of the wrong shape as undefined.

/** One row of the issue list. */
export interface IssueRow {
  id: string;
  endpoint: string;
  template: string;
  status: string;
  count: number;
  rangeCount: number;
  share: number;
  sparkline: number[];
  lastHour: number;
  baseline: number;
  rising: boolean;
  lastSeen: string;
  firstSeen: string;
  resolution: string;
  regressedAt: string;
}

/** An issue's page. */
export interface IssuePage {
  issue: IssueRow;
  forecast: string;
  hourly: { at: number; count: number }[];
  breakdowns: [string, [string, number][]][];
  samples: { key: string; line: number; at: string; error: string; staffer: string }[];
  transitions: { kind: string; at: string }[];
  escalations: { at: string; type: string; outcome: string; attempts: number }[];
  merged: string[];
}

/** An op, every field of it, and the review's verdict on it. */
export interface OpPage {
  fields: [string, string][];
  traceId: string;
  verdict: string;
  reason: string;
  cluster: string;
}

/** The issues of `GET /observer/issues`, in the order given. */
export function issueRows(body: unknown): IssueRow[] | undefined {
  const list = record(body).issues;
  return Array.isArray(list) ? list.map(issueRow) : undefined;
}

function issueRow(item: unknown): IssueRow {
  const o = record(item);
  const range = record(o.range);
  const trend = record(o.trend);
  const res = record(o.resolution);
  const until = text(res.until);
  return {
    id: text(o.id),
    endpoint: text(o.endpoint),
    template: text(o.template),
    status: text(o.status),
    count: count(o.count),
    rangeCount: count(range.count),
    share: count(range.share),
    sparkline: Array.isArray(o.sparkline) ? o.sparkline.map(count) : [],
    lastHour: count(trend.last_hour),
    baseline: count(trend.baseline),
    rising: trend.rising === true,
    lastSeen: text(o.last_seen),
    firstSeen: text(o.first_seen),
    resolution: text(res.status)
      ? `${text(res.status)} by ${text(res.by)} at ${text(res.at)}${until ? ` until ${until}` : ''}`
      : '',
    regressedAt: text(o.regressed_at),
  };
}

/** The page of `GET /observer/issues/{id}`, or undefined for another shape. */
export function issuePage(body: unknown): IssuePage | undefined {
  const o = record(body);
  if (typeof record(o.issue).id !== 'string' || !Array.isArray(o.hourly)) return undefined;
  const f = record(o.forecast);
  const breakdowns = record(o.breakdowns);
  const list = (v: unknown) => (Array.isArray(v) ? v : []);
  return {
    issue: issueRow(o.issue),
    forecast:
      `${count(f.current)} in the last ${count(f.window_minutes)} min; ` +
      `its 7 days forecast ${count(f.baseline)}; escalating at ${count(f.threshold)}`,
    hourly: list(o.hourly).map((h) => ({
      at: Date.parse(text(record(h).at)),
      count: count(record(h).count),
    })),
    breakdowns: ['endpoints', 'sources', 'staffers', 'roles'].map((name) => [
      name,
      list(breakdowns[name]).map((n): [string, number] => [
        text(record(n).name),
        count(record(n).count),
      ]),
    ]),
    samples: list(o.samples).map((s) => {
      const r = record(s);
      const op = record(r.op);
      return {
        key: text(r.key),
        line: count(r.line),
        at: text(r.received_at),
        error: text(op.error) || text(r.omitted),
        staffer: text(op.staffer_id),
      };
    }),
    transitions: list(o.transitions).map((t) => ({
      kind: text(record(t).kind),
      at: text(record(t).at),
    })),
    escalations: list(o.escalations).map((e) => {
      const r = record(e);
      return {
        at: text(r.claimed_at),
        type: text(record(r.payload).type),
        outcome: text(r.outcome),
        attempts: list(r.attempts).length,
      };
    }),
    merged: list(o.merged).map(text),
  };
}

/** An op and its verdict from `POST /observer/review`, or undefined for another shape. */
export function opPage(body: unknown): OpPage | undefined {
  const o = record(body);
  // Every field of a stored op (`stored`), or the summary an older service answers.
  const op = typeof record(o.stored).endpoint === 'string' ? record(o.stored) : record(o.op);
  if (typeof op.endpoint !== 'string') return undefined;
  const cluster = record(o.cluster);
  return {
    fields: Object.entries(op).map(([name, value]): [string, string] => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
    traceId: text(op.trace_id),
    verdict: text(o.action),
    reason: text(o.reason),
    cluster: text(cluster.template),
  };
}

/** One minute of the stats history: ops and failed ops received in it. */
export interface RatePoint {
  at: number;
  ops: number;
  failures: number;
}

/** The minutes the history's snapshots record, oldest first (snapshots without a rate left out). */
export function rates(body: unknown): RatePoint[] | undefined {
  const snapshots = record(body).snapshots;
  if (!Array.isArray(snapshots)) return undefined;
  const byMinute = new Map<number, RatePoint>();
  for (const s of snapshots) {
    const rate = record(record(s).rate);
    const at = Date.parse(text(rate.minute));
    if (Number.isNaN(at) || typeof rate.ops !== 'number') continue;
    byMinute.set(at, { at, ops: count(rate.ops), failures: count(rate.failures) });
  }
  return [...byMinute.values()].sort((a, b) => a.at - b.at);
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
