import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RingEntry } from '../../domain/entry';
import { mapLimit } from '../../platform/concurrency';
import type { EscalationConfig } from '../../platform/config';
import { describeError, log, SERVICE_NAME } from '../../platform/log';
import type { SegmentStore } from '../../storage/store';
import type { OpRef } from '../clustering/report';
import { type Claim, claimRound, settleRound } from './escalation-claim';
import { DELIVERY_TUNING, type DeliveryTuning, deliver } from './escalation-delivery';
import {
  type EscalatedIssue,
  type IssueEscalationPayload,
  type IssueTransitionDetail,
  sampleFinder,
  samplesOf,
  thresholdsOf,
} from './escalation-payload';
import { type EscalationRecord, publicUrl, writeRecord } from './escalation-record';
import type { ClaimLimits } from './escalation-rules';

/** Escalations one run delivers (claims) at most, in the order given; the rest wait for the next run. */
export const MAX_ESCALATIONS_PER_RUN = 5;

/** Delivery rounds of one escalation, and when a round still `sending` counts as abandoned. */
export const ROUND_LIMITS = { maxRounds: 3, abandonMs: 5 * 60_000 } as const;

/** One thing to escalate: an issue's transition, delivered once under its own id. */
export interface EscalationSubject {
  /** The escalation's id (the transition's): the same in every round and every run. */
  id: string;
  issue: EscalatedIssue;
  transition: IssueTransitionDetail;
}

/** What one run needs: the store, the time, the configuration and a way to POST. */
export interface EscalationDeps {
  store: SegmentStore;
  /** The time the run starts at (ms since the epoch). */
  now: number;
  config: EscalationConfig;
  fetch?: typeof fetch;
  /** The ring's entries, where sample ops are found without a request. */
  entries?: Iterable<RingEntry>;
  /** The key prefix, named in the payload. */
  prefix?: string;
  service?: string;
  /** How long delivery may take in all, from the start of the run. */
  budgetMs?: number;
  tuning?: DeliveryTuning;
}

/** What one run did: delivered, failed, rejected, skipped (and why) or broke. */
export interface EscalationSummary {
  firing: number;
  delivered: number;
  failed: number;
  rejected: number;
  skipped: Record<string, number>;
  errors: number;
}

/** Within the snapshot function's 120 s, after the snapshot itself. */
const DEFAULT_BUDGET_MS = 45_000;

/**
 * POSTs each subject to the configured URL, each escalation once however
 * many containers run (claimRound, keyed by the issue and the kind), an
 * issue at most once per kind per cooldown, signed when a secret is set, and records each round
 * under `escalations/`. Nothing happens without a URL. One subject's
 * failure is logged and counted, and the others go on.
 */
export async function escalate(
  subjects: readonly EscalationSubject[],
  deps: EscalationDeps,
): Promise<EscalationSummary> {
  const summary: EscalationSummary = {
    firing: 0,
    delivered: 0,
    failed: 0,
    rejected: 0,
    skipped: {},
    errors: 0,
  };
  if (deps.config.url === undefined) return summary;
  summary.firing = subjects.length;
  const run = newRun(deps);
  // Subjects being claimed, and claims won: no new one starts once they could make the limit.
  const slots = { claiming: 0, won: 0 };
  await mapLimit(
    subjects,
    MAX_ESCALATIONS_PER_RUN,
    async (subject) => {
      slots.claiming++;
      let claimed = false;
      const onClaimed = () => {
        claimed = true;
        slots.claiming--;
        slots.won++;
      };
      try {
        const outcome = await escalateOne(subject, run, onClaimed);
        if (typeof outcome === 'string') summary[outcome]++;
        else summary.skipped[outcome.skipped] = (summary.skipped[outcome.skipped] ?? 0) + 1;
      } catch (err: unknown) {
        summary.errors++;
        log.error('escalation failed', { escalation_id: subject.id, ...describeError(err) });
      } finally {
        if (!claimed) slots.claiming--;
      }
    },
    () => slots.won + slots.claiming >= MAX_ESCALATIONS_PER_RUN,
  );
  return summary;
}

/** One run's fixed parts: its owner id, its clock, its deadline and where to find samples. */
interface Run {
  deps: EscalationDeps;
  url: string;
  owner: string;
  clock: () => number;
  deadline: number;
  limits: ClaimLimits;
  findSample: ReturnType<typeof sampleFinder>;
}

function newRun(deps: EscalationDeps): Run {
  const started = performance.now();
  // Stamps follow the run's `now`, so a test's clock and the claims agree.
  const clock = () => deps.now + Math.round(performance.now() - started);
  return {
    deps,
    url: deps.config.url ?? '',
    owner: randomUUID(),
    clock,
    deadline: deps.now + (deps.budgetMs ?? DEFAULT_BUDGET_MS),
    limits: { ...ROUND_LIMITS, cooldownMs: deps.config.cooldownMinutes * 60_000 },
    findSample: sampleFinder(deps.store, deps.entries ?? []),
  };
}

async function escalateOne(
  subject: EscalationSubject,
  run: Run,
  onClaimed: () => void,
): Promise<'delivered' | 'failed' | 'rejected' | { skipped: string }> {
  const { store } = run.deps;
  // One claim per issue and kind: the cooldown spaces escalations of one kind, and a
  // regression is sent even right after an escalation (and the other way round).
  const claimId = keySafe(`${subject.issue.id}-${subject.transition.kind}`);
  const claimed = await claimRound(store, claimId, subject.id, run.deps.now, run.limits, run.owner);
  if (claimed.kind === 'skipped') return { skipped: claimed.reason };
  onClaimed();
  const { claim } = claimed;
  const record: EscalationRecord = {
    id: claim.escalation_id,
    round: claim.round,
    cluster_id: subject.issue.id,
    key: claim.record_key,
    url: publicUrl(run.url),
    signed: run.deps.config.secret !== undefined,
    claimed_at: claim.claimed_at,
    outcome: 'sending',
    attempts: [],
    payload: await payloadOf(subject, claim, run),
  };
  await writeRecord(store, record);
  const result = await deliver(JSON.stringify(record.payload), {
    url: run.url,
    secret: run.deps.config.secret,
    escalationId: claim.escalation_id,
    fetch: run.deps.fetch ?? fetch,
    clock: run.clock,
    deadline: run.deadline,
    tuning: run.deps.tuning ?? DELIVERY_TUNING,
  });
  const finishedAt = run.clock();
  const finished_at = new Date(finishedAt).toISOString();
  await writeRecord(store, { ...record, ...result, finished_at });
  await settleRound(store, claim, result.outcome, finishedAt);
  const say = result.outcome === 'delivered' ? log.info : log.warn;
  say(`escalation ${result.outcome}`, {
    escalation_id: claim.escalation_id,
    round: claim.round,
    issue_id: subject.issue.id,
    attempts: result.attempts.length,
    record: record.key,
  });
  return result.outcome;
}

async function payloadOf(
  subject: EscalationSubject,
  claim: Claim,
  run: Run,
): Promise<IssueEscalationPayload> {
  return {
    type: `issue.${subject.transition.kind}`,
    id: claim.escalation_id,
    round: claim.round,
    created_at: claim.claimed_at,
    service: run.deps.service ?? SERVICE_NAME,
    prefix: run.deps.prefix ?? '',
    thresholds: thresholdsOf(run.deps.config),
    transition: subject.transition,
    issue: subject.issue,
    samples: await samplesOf(subject.issue.samples as OpRef[], run.findSample),
  };
}

/** An id as a key part: as it is when plain, else its SHA-256 (a prefix of it). */
function keySafe(id: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id)
    ? id
    : createHash('sha256').update(id).digest('hex').slice(0, 32);
}
