import type { RingEntry } from '../domain/entry';
import { stamp } from '../storage/keys';
import { type GroupingRecord, IssueGrouper, NO_ERROR } from './grouping';
import { type Episode, type EscalationThresholds, forecast } from './lifecycle';
import type { IssueRules } from './rules';
import { addTally, countOp, MINUTE_MS, newTally, pruneTally, type Tally } from './tally';

/** Why an issue stopped counting on its own: a person merged it, or its template generalised into another's. */
export interface MergeNote {
  into: string;
  at: number;
  by: string;
  reason: 'merged' | 'generalised';
}

/** A new occurrence after a person resolved the issue (times in ms). */
export interface Regression {
  at: number;
  resolvedAt: number;
}

/** One issue's counted history and lifecycle. */
export interface IssueRecord {
  id: string;
  endpoint: string;
  template: string;
  tally: Tally;
  mergedInto?: MergeNote | undefined;
  episodes: Episode[];
  regressions: Regression[];
}

/** A change into `escalating` or `regressed`, as the fold saw it: each is escalated once. */
export interface Transition {
  id: string;
  issue: string;
  kind: 'escalating' | 'regressed';
  at: number;
  current?: number | undefined;
  baseline?: number | undefined;
  threshold?: number | undefined;
  resolvedAt?: number | undefined;
  resolvedBy?: string | undefined;
}

/** Episodes and regressions an issue keeps (the newest), transitions the book keeps. */
const MAX_EPISODES = 10;
const MAX_TRANSITIONS = 200;
/** Transitions are kept this long, for delivery and for the issue's page. */
const TRANSITIONS_KEPT_MS = 24 * 3_600_000;
/** Ops and failures per minute are kept this long, for the snapshots' rates. */
export const TOTALS_KEPT_MINUTES = 180;

/**
 * Every issue as the log has been folded into it so far: the issues and
 * how their templates are grouped, the merges, the latest copy of each op
 * id within the retry window (for the retry rule), ops and failures per
 * minute, and the recent transitions. Pure: the fold (fold.ts) reads the
 * log and stores the book, the routes read it (view.ts).
 */
export class IssueBook {
  /** Every segment key at or below this has been folded, none above it. */
  after: string;
  /** The receive time (ms) the book is complete up to: its lifecycle is judged at it. */
  position: number;
  readonly issues = new Map<string, IssueRecord>();
  /** Issues that folded into another before any op counted to them. */
  readonly aliases = new Map<string, string>();
  /** The receive time of the latest copy of each op id, within the retry window of `position`. */
  readonly copies = new Map<string, number>();
  /** Counted ops and failed ops by minute index. */
  readonly totals = new Map<number, [number, number]>();
  transitions: Transition[] = [];
  readonly grouper: IssueGrouper;

  constructor(init: {
    after: string;
    position: number;
    grouping?: readonly GroupingRecord[];
    issues?: Iterable<IssueRecord>;
  }) {
    this.after = init.after;
    this.position = init.position;
    for (const r of init.issues ?? []) this.issues.set(r.id, r);
    this.grouper = new IssueGrouper(
      init.grouping ?? [],
      (id) => this.issues.has(id) || this.aliases.has(id),
    );
  }

  /** The issue an id now counts to: through merges and folds. */
  resolve(id: string): string {
    let current = id;
    for (let hops = 0; hops < 64; hops++) {
      const next = this.issues.get(current)?.mergedInto?.into ?? this.aliases.get(current);
      if (next === undefined || next === current) return current;
      current = next;
    }
    return current;
  }

  /**
   * Counts one op that counts (the retry rule applied), received at `at`;
   * a failed one into its issue. A failure after a person resolved its
   * issue is a regression (once per resolution).
   */
  countOp(entry: RingEntry, at: number, rules: IssueRules): void {
    const minute = Math.floor(at / MINUTE_MS);
    const totals = this.totals.get(minute) ?? [0, 0];
    totals[0]++;
    if (!entry.op.success) totals[1]++;
    this.totals.set(minute, totals);
    if (entry.op.success) return;
    const assigned = this.grouper.assign(entry.op.endpoint, entry.op.error);
    for (const [from, into] of assigned.folds) {
      this.merge(from, into, { at, by: 'grouping', reason: 'generalised' });
    }
    const record = this.record(this.resolve(assigned.id), entry.op.endpoint);
    // A template that generalised since the record was made reads as it is now.
    record.template = this.grouper.template(record.id) ?? record.template;
    countOp(record.tally, entry.op, entry, at);
    this.regression(record, at, rules);
    // An issue merged by a person before its first op was folded: merged with that op.
    const rule = rules.merges.get(record.id);
    if (rule) this.merge(record.id, rule.into, { at: rule.at, by: rule.by, reason: 'merged' });
  }

  /** The record of an issue, created empty when there is none. */
  record(id: string, endpoint: string): IssueRecord {
    let record = this.issues.get(id);
    if (!record) {
      const template = this.grouper.template(id) ?? NO_ERROR;
      record = { id, endpoint, template, tally: newTally(), episodes: [], regressions: [] };
      this.issues.set(id, record);
    }
    return record;
  }

  /**
   * Merges `from` into (what `into` now resolves to): its history moves
   * into the target, and later ops of `from` count there. Nothing when it
   * resolves to itself.
   */
  merge(from: string, into: string, note: Omit<MergeNote, 'into'>): void {
    const target = this.resolve(into);
    if (target === this.resolve(from)) return;
    const record = this.issues.get(from);
    if (!record || record.tally.count === 0) {
      if (record) this.issues.delete(from);
      this.aliases.set(from, target);
      return;
    }
    const into_ = this.record(target, record.endpoint);
    addTally(into_.tally, record.tally);
    record.mergedInto = { into: target, ...note };
    for (const e of record.episodes) e.end ??= note.at;
  }

  /** Applies the merges people asked for that the book has not applied yet; how many. */
  applyMerges(rules: IssueRules): number {
    let applied = 0;
    for (const [from, rule] of rules.merges) {
      if (!this.issues.has(from) || this.issues.get(from)?.mergedInto) continue;
      this.merge(from, rule.into, { at: rule.at, by: rule.by, reason: 'merged' });
      applied++;
    }
    return applied;
  }

  private regression(record: IssueRecord, at: number, rules: IssueRules): void {
    const person = rules.statuses.get(record.id);
    if (person?.status !== 'resolved' || at <= person.at) return;
    if (record.regressions.some((r) => r.resolvedAt === person.at)) return;
    record.regressions = [...record.regressions, { at, resolvedAt: person.at }].slice(
      -MAX_EPISODES,
    );
    this.transition({
      id: transitionId(record.id, 'regressed', at),
      issue: record.id,
      kind: 'regressed',
      at,
      resolvedAt: person.at,
      resolvedBy: person.by,
    });
  }

  /**
   * Judges the escalating rule for every issue with recent failures (or an
   * escalation open) at `now`: an escalation opens when the rule starts to
   * hold, which is a transition, and closes when it stops. True when any did.
   */
  evaluate(now: number, thresholds: EscalationThresholds): boolean {
    let changed = false;
    const recent = Math.floor(now / MINUTE_MS) - thresholds.windowMinutes;
    for (const record of this.issues.values()) {
      const open = record.episodes.find((e) => e.end === undefined);
      if (record.mergedInto) continue;
      if (!open && record.tally.last < recent * MINUTE_MS) continue;
      const f = forecast(record.tally, now, thresholds);
      if (f.escalating && !open) {
        const { current, baseline, threshold } = f;
        record.episodes = [...record.episodes, { start: now, current, baseline }].slice(
          -MAX_EPISODES,
        );
        this.transition({
          id: transitionId(record.id, 'escalating', now),
          issue: record.id,
          kind: 'escalating',
          at: now,
          current,
          baseline,
          threshold,
        });
        changed = true;
      } else if (!f.escalating && open) {
        open.end = now;
        changed = true;
      }
    }
    return changed;
  }

  private transition(t: Transition): void {
    this.transitions.push(t);
  }

  /** Forgets what the book no longer needs at `now` (see each field). */
  prune(now: number, minutesKept: number, retryWindowMs: number): void {
    for (const record of this.issues.values()) pruneTally(record.tally, now, minutesKept);
    for (const [id, ms] of this.copies) if (ms < now - retryWindowMs) this.copies.delete(id);
    const minute = Math.floor(now / MINUTE_MS) - TOTALS_KEPT_MINUTES;
    for (const m of this.totals.keys()) if (m < minute) this.totals.delete(m);
    this.transitions = this.transitions
      .filter((t) => t.at >= now - TRANSITIONS_KEPT_MS)
      .slice(-MAX_TRANSITIONS);
  }
}

/** The id of a transition: the issue, the kind and when, as an escalation id. */
export function transitionId(issue: string, kind: Transition['kind'], at: number): string {
  return `${issue}-${kind}-${stamp(new Date(at)).toLowerCase()}`;
}
