import type { z } from 'zod';
import type { RingEntry } from '../domain/entry';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { sampleFinder } from '../failures/escalation/escalation-payload';
import { escalationsOf } from '../failures/escalation/escalation-record';
import { log } from '../platform/log';
import { ISSUES_STATE_KEY, keyTime } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import type {
  IssueAnswer,
  IssueMergeRequestSchema,
  IssueStatusRequestSchema,
  IssueSummary,
} from './answers';
import type { IssueRecord } from './book';
import type { EscalationThresholds } from './lifecycle';
import { changeRules, RulesReader } from './rules';
import { bookOf, emptyBook, type IssueState, parseStateBytes } from './state';
import { DAY_MS, HOUR_MS, topNames } from './tally';
import { forecastOf, type IssueView, issueView, summary } from './view';

/** Escalation records an issue's page lists at most. */
const PAGE_ESCALATIONS = 20;

/**
 * What the issue routes read: the state the fold wrote and the rules
 * people set, each read again only when it changed (a conditional GET),
 * and no more often than `maxStalenessMs` for the state.
 */
export class IssueReader {
  private state?: IssueState;
  private etag?: string;
  private readAt = Number.NEGATIVE_INFINITY;
  private readonly rules: RulesReader;

  constructor(
    readonly store: SegmentStore,
    private readonly options: { maxStalenessMs: number; thresholds: EscalationThresholds },
  ) {
    this.rules = new RulesReader(store);
  }

  /** The issues at `now`: the stored state, the rules, and the ring's newer failures. */
  async view(ring: Iterable<RingEntry>, now: number): Promise<IssueView> {
    const [state, rules] = await Promise.all([this.readState(now), this.rules.read()]);
    const book = state ? bookOf(state) : emptyBook();
    return issueView(book, rules, ring, now, this.options.thresholds);
  }

  private async readState(now: number): Promise<IssueState | undefined> {
    if (this.state && now - this.readAt < this.options.maxStalenessMs) return this.state;
    const found = await this.store.getIfChanged(ISSUES_STATE_KEY, this.etag);
    this.readAt = now;
    if (found === undefined) {
      this.state = undefined;
      this.etag = undefined;
    } else if (found !== 'unchanged') {
      const parsed = parseStateBytes(found.body);
      if ('error' in parsed) {
        log.error('issue state unreadable; answering from the ring alone', {
          reason: parsed.error,
        });
        this.state = undefined;
      } else {
        this.state = parsed;
        this.etag = found.etag;
      }
    }
    return this.state;
  }
}

/** The record of an issue the view knows, or a 404. */
export function knownIssue(view: IssueView, id: string): IssueRecord {
  const record = view.book.issues.get(id);
  if (!record) throw new NotFoundError(`no issue ${id}`);
  return record;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An issue as its page and the POST routes give it: over all history, its share of every failure. */
export function issueSummary(view: IssueView, record: IssueRecord): IssueSummary {
  let total = 0;
  for (const r of view.book.issues.values()) if (!r.mergedInto) total += r.tally.count;
  return summary(view, record, { total });
}

/** `GET /observer/issues/{id}`: the issue, its trend over `hours`, breakdowns, samples, escalations. */
export async function issueAnswer(
  view: IssueView,
  id: string,
  hours: number,
  deps: { store: SegmentStore; entries: Iterable<RingEntry> },
): Promise<IssueAnswer> {
  const record = knownIssue(view, id);
  const { tally } = record;
  const lastHour = Math.floor(view.now / HOUR_MS);
  const hourly = Array.from({ length: hours }, (_, i) => {
    const h = lastHour - hours + 1 + i;
    return { at: iso(h * HOUR_MS), count: tally.hours.get(h) ?? 0 };
  });
  const daily = [...tally.days]
    .sort(([a], [b]) => a - b)
    .map(([d, count]) => ({ at: iso(d * DAY_MS), count }));
  const names = (m: Map<string, number>) =>
    topNames(m, 20).map(([name, count]) => ({ name, count }));
  const find = sampleFinder(deps.store, deps.entries);
  const samples = await Promise.all(
    [...tally.samples].reverse().map(async (ref) => {
      const { op, omitted } = await find(ref);
      return {
        ...ref,
        received_at: iso(keyTime(ref.key) ?? 0),
        ...(op ? { op } : { omitted: omitted ?? 'not found' }),
      };
    }),
  );
  const f = forecastOf(view, record);
  return {
    generated_at: iso(view.now),
    issue: issueSummary(view, record),
    forecast: {
      window_minutes: view.thresholds.windowMinutes,
      current: f.current,
      baseline: f.baseline,
      threshold: f.threshold,
    },
    hours,
    hourly,
    daily,
    breakdowns: {
      endpoints: names(tally.names.endpoints),
      sources: names(tally.names.sources),
      staffers: names(tally.names.staffers),
      roles: names(tally.names.roles),
    },
    samples,
    merged: [...view.book.issues.values()]
      .filter((r) => r.mergedInto?.into === id)
      .map((r) => r.id)
      .sort(),
    transitions: view.book.transitions
      .filter((t) => t.issue === id)
      .reverse()
      .map((t) => ({ id: t.id, kind: t.kind, at: iso(t.at) })),
    escalations: await escalationsOf(deps.store, id, tally.first, view.now, PAGE_ESCALATIONS),
  };
}

/**
 * Sets an issue's status as a person asked (`by`: their key's fingerprint)
 * at `now`: resolved, muted (until a time, else until it escalates), or
 * unresolved. A 404 for an issue the view does not know, a 409 for one
 * merged into another, a 400 for a mute that ends in the past.
 */
export async function setStatus(
  store: SegmentStore,
  view: IssueView,
  id: string,
  body: z.output<typeof IssueStatusRequestSchema>,
  by: string,
): Promise<void> {
  const record = knownIssue(view, id);
  if (record.mergedInto) {
    throw new ConflictError(`issue ${id} is merged into ${record.mergedInto.into}; set that one`);
  }
  const until = body.until === undefined ? undefined : Date.parse(body.until);
  if (until !== undefined && until <= view.now) {
    throw new InvalidInputError('invalid body: until: must be in the future', {
      fields: [{ field: 'until', message: 'must be in the future' }],
    });
  }
  await changeRules(store, (rules) => {
    rules.statuses.set(id, { status: body.status, at: view.now, by, until });
  });
}

/**
 * Merges an issue into another as a person asked: stored as a rule, so
 * later ops of the issue count to the target too. A 404 for an issue the
 * view does not know; a 400 naming `into` for a target it does not know or
 * one that is (or resolves to) the issue itself; a 409 for an issue merged
 * already.
 */
export async function mergeIssue(
  store: SegmentStore,
  view: IssueView,
  id: string,
  body: z.output<typeof IssueMergeRequestSchema>,
  by: string,
): Promise<string> {
  const record = knownIssue(view, id);
  if (record.mergedInto) {
    throw new ConflictError(`issue ${id} is already merged into ${record.mergedInto.into}`);
  }
  const refuse = (message: string) =>
    new InvalidInputError(`invalid body: into: ${message}`, {
      fields: [{ field: 'into', message }],
    });
  if (!view.book.issues.has(body.into)) throw refuse(`no issue ${body.into}`);
  const target = view.book.resolve(body.into);
  if (target === id) throw refuse('is this issue, or merged into it');
  await changeRules(store, (rules) => {
    rules.merges.set(id, { into: target, at: view.now, by });
  });
  return target;
}
