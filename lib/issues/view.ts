import type { RingEntry } from '../domain/entry';
import { receivedAt } from '../ring/ops-query';
import type { IssueCursor, IssueSummary, IssuesAnswer, IssuesQuery } from './answers';
import type { IssueBook, IssueRecord } from './book';
import {
  type EscalationThresholds,
  type Forecast,
  forecast,
  issueStatus,
  trend,
} from './lifecycle';
import type { IssueRules } from './rules';
import { DAY_MS, HOUR_MS, hoursSum, type Tally } from './tally';

/** The issues as one answer sees them: the folded book, what is newer in the ring, and the rules. */
export interface IssueView {
  book: IssueBook;
  rules: IssueRules;
  now: number;
  thresholds: EscalationThresholds;
}

/**
 * The view of `book` (a copy of the stored state, changed here) at `now`:
 * the merges people asked for applied, and the ring's failed ops that are
 * newer than the fold counted in, so a failure shows at the next read.
 */
export function issueView(
  book: IssueBook,
  rules: IssueRules,
  ring: Iterable<RingEntry>,
  now: number,
  thresholds: EscalationThresholds,
): IssueView {
  book.applyMerges(rules);
  for (const entry of ring) {
    if (entry.key <= book.after) continue;
    book.countOp(entry, receivedAt(entry), rules);
  }
  return { book, rules, now, thresholds };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The forecast an issue's status and page use at the view's time. */
export function forecastOf(view: IssueView, record: IssueRecord): Forecast {
  return forecast(record.tally, view.now, view.thresholds);
}

/** An issue as the routes answer it; `range` counts within [since, until). */
export function summary(
  view: IssueView,
  record: IssueRecord,
  range: { since?: number | undefined; until?: number | undefined; total: number },
): IssueSummary {
  const { tally } = record;
  const person = view.rules.statuses.get(record.id);
  const f = forecastOf(view, record);
  const status = issueStatus({
    tally,
    mergedInto: record.mergedInto?.into,
    person,
    episodes: record.episodes,
    forecast: f,
    now: view.now,
  });
  const inRange = rangeCount(tally, range.since, range.until);
  const open = record.episodes.find((e) => e.end === undefined);
  const regression = person?.status === 'resolved' && tally.last > person.at;
  return {
    id: record.id,
    endpoint: record.endpoint,
    template: record.template,
    status,
    count: tally.count,
    first_seen: iso(tally.first),
    last_seen: iso(tally.last),
    range: {
      count: inRange,
      share: range.total === 0 ? 0 : Math.round((inRange / range.total) * 10_000) / 10_000,
    },
    sparkline: sparkline(tally, range.until ?? view.now),
    trend: trend(tally, view.now),
    resolution: person
      ? {
          status: person.status,
          by: person.by,
          at: iso(person.at),
          ...(person.until === undefined ? {} : { until: iso(person.until) }),
        }
      : null,
    merged_into: record.mergedInto?.into ?? null,
    regressed_at: regression ? iso(firstAfter(record, person.at)) : null,
    escalating_since: status === 'escalating' ? iso(open?.start ?? view.now) : null,
  };
}

/** The first failure after `at` the issue records: its regression, or its last failure. */
function firstAfter(record: IssueRecord, at: number): number {
  return record.regressions.find((r) => r.resolvedAt === at)?.at ?? record.tally.last;
}

/** Failures within [since, until), by the hour (by the day where only days are kept). */
export function rangeCount(t: Tally, since?: number, until?: number): number {
  if (since === undefined && until === undefined) return t.count;
  const from = since ?? Number.NEGATIVE_INFINITY;
  const to = until ?? Number.POSITIVE_INFINITY;
  let n = 0;
  for (const [h, c] of t.hours) if (h * HOUR_MS >= from - HOUR_MS + 1 && h * HOUR_MS < to) n += c;
  for (const [d, c] of t.days) if (d * DAY_MS >= from - DAY_MS + 1 && d * DAY_MS < to) n += c;
  return n;
}

/** Failures per hour over the 24 hours that end with the hour of `to`, oldest first. */
export function sparkline(t: Tally, to: number): number[] {
  const last = Math.floor(to / HOUR_MS);
  return Array.from({ length: 24 }, (_, i) => hoursSum(t, last - 23 + i, last - 23 + i));
}

/** The sort value of a summary: larger first. */
function sortValue(s: IssueSummary, sort: IssueCursor[0]): number {
  if (sort === 'count') return s.count;
  if (sort === 'trend') return s.trend.score;
  return Date.parse(s.last_seen);
}

/** Whether a summary comes after the cursor's issue in the sort's order. */
function afterCursor(value: number, id: string, cursor: IssueCursor): boolean {
  return value < cursor[1] || (value === cursor[1] && id > cursor[2]);
}

/** `GET /observer/issues`: the issues that match the query, a page at a time. */
export function listIssues(
  view: IssueView,
  query: IssuesQuery,
): Omit<IssuesAnswer, 'generated_at'> {
  const wanted = query.status;
  const all = [...view.book.issues.values()];
  const candidates = all.filter((r) => matches(r, query));
  // A share is of every failure in the range, whatever the other filters.
  const total = all
    .filter((r) => !r.mergedInto)
    .reduce((sum, r) => sum + rangeCount(r.tally, query.since, query.until), 0);
  const range = { since: query.since, until: query.until, total };
  const rows = candidates
    .map((r) => summary(view, r, range))
    .filter((s) => (wanted ? wanted.includes(s.status) : s.status !== 'merged'))
    .filter((s) => (query.since === undefined && query.until === undefined) || s.range.count > 0)
    .map((s) => ({ s, v: sortValue(s, query.sort) }))
    .sort((a, b) => b.v - a.v || (a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0));
  const after = query.cursor;
  const rest = after ? rows.filter((r) => afterCursor(r.v, r.s.id, after)) : rows;
  const page = rest.slice(0, query.limit);
  const last = page.at(-1);
  const more = rest.length > page.length && last !== undefined;
  return {
    folded_to: iso(view.book.position),
    total: rows.length,
    failures: rows.filter((r) => r.s.status !== 'merged').reduce((n, r) => n + r.s.range.count, 0),
    issues: page.map((r) => r.s),
    next_cursor: more
      ? Buffer.from(JSON.stringify([query.sort, last.v, last.s.id])).toString('base64url')
      : null,
  };
}

function matches(r: IssueRecord, q: IssuesQuery): boolean {
  const { names } = r.tally;
  if (q.endpoint !== undefined) {
    const prefix = q.endpoint.endsWith('*');
    const value = prefix ? q.endpoint.slice(0, -1) : q.endpoint;
    const hit = (e: string) => (prefix ? e.startsWith(value) : e === value);
    if (!hit(r.endpoint) && ![...names.endpoints.keys()].some(hit)) return false;
  }
  if (q.source !== undefined && !names.sources.has(q.source)) return false;
  if (q.staffer !== undefined && !names.staffers.has(q.staffer)) return false;
  if (q.q !== undefined && !r.template.toLowerCase().includes(q.q.toLowerCase())) return false;
  return true;
}
