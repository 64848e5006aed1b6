import type { RingEntry } from '../domain/entry';
import {
  type EscalationSubject,
  type EscalationSummary,
  escalate,
} from '../failures/escalation/escalation';
import type { EscalationConfig } from '../platform/config';
import { describeError, log } from '../platform/log';
import type { SegmentStore } from '../storage/store';
import type { IssueBook, Transition } from './book';

/** Below this much time, a run does not start escalating (it could not deliver). */
export const MIN_ESCALATION_BUDGET_MS = 5_000;

/** A transition is escalated within this long after it happened, or not at all. */
export const DELIVERY_WINDOW_MS = 30 * 60_000;

/** What the snapshot function hands over to escalation. */
export interface NotifyOptions {
  store: SegmentStore;
  config: EscalationConfig;
  prefix: string;
  /** How long delivery may take in all. */
  budgetMs: number;
  now: number;
  fetch?: typeof fetch;
  /** The ring's entries, where sample ops are found without a request. */
  entries?: Iterable<RingEntry>;
}

/**
 * Escalates the transitions into escalating and regressed that the fold
 * found in the last DELIVERY_WINDOW_MS, oldest first, each once (its
 * claim names it), with the existing signing, cooldown and records. Never
 * throws: a failure is logged. Undefined when no URL is set or too little
 * time is left.
 */
export async function escalateTransitions(
  book: IssueBook,
  options: NotifyOptions,
): Promise<EscalationSummary | undefined> {
  if (options.config.url === undefined) return undefined;
  if (options.budgetMs < MIN_ESCALATION_BUDGET_MS) {
    log.warn('no time left to escalate; the next run will', { budget_ms: options.budgetMs });
    return undefined;
  }
  try {
    const subjects = book.transitions
      .filter((t) => t.at >= options.now - DELIVERY_WINDOW_MS)
      .flatMap((t) => subjectOf(book, t));
    const summary = await escalate(subjects, {
      store: options.store,
      now: options.now,
      config: options.config,
      prefix: options.prefix,
      budgetMs: options.budgetMs,
      ...(options.entries ? { entries: options.entries } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (summary.firing > 0) log.info('escalation run', { ...summary });
    return summary;
  } catch (err: unknown) {
    log.error('escalation run failed; the snapshot is written', describeError(err));
    return undefined;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The escalation of one transition, with its issue as the book has it now. */
export function subjectOf(book: IssueBook, t: Transition): EscalationSubject[] {
  const record = book.issues.get(t.issue);
  if (!record) return [];
  const { tally } = record;
  return [
    {
      id: t.id,
      issue: {
        id: record.id,
        endpoint: record.endpoint,
        template: record.template,
        status: t.kind,
        count: tally.count,
        first_seen: iso(tally.first),
        last_seen: iso(tally.last),
        samples: [...tally.samples].reverse(),
      },
      transition: {
        kind: t.kind,
        at: iso(t.at),
        ...(t.current === undefined ? {} : { current: t.current }),
        ...(t.baseline === undefined ? {} : { baseline: t.baseline }),
        ...(t.threshold === undefined ? {} : { threshold: t.threshold }),
        ...(t.resolvedAt === undefined ? {} : { resolved_at: iso(t.resolvedAt) }),
        ...(t.resolvedBy === undefined ? {} : { resolved_by: t.resolvedBy }),
      },
    },
  ];
}
