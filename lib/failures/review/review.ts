import { z } from 'zod';
import type { RingEntry } from '../../domain/entry';
import { type ObservedOp, StoredOpSchema } from '../../domain/op';
import type { FailureCluster } from '../clustering/report';
import {
  type ClusterFacts,
  DEFAULT_REVIEW_THRESHOLDS,
  isNew,
  isRising,
  judge,
  REVIEW_ACTIONS,
  type ReviewAction,
  type ReviewFacts,
  type ReviewThresholds,
  type RuleVerdict,
} from './review-rules';

/** The op under review, with where it was stored when it came from the store. */
export interface ReviewTarget {
  op: ObservedOp;
  key?: string;
  line?: number;
}

/** What a fallback model said, or why it said nothing usable. */
export type ModelOpinion =
  | { name: string; action: ReviewAction; reason: string }
  | { error: string };

/** The cluster a review names: the failures route's fields, and what the rules made of them. */
export type ReviewedCluster = Pick<
  FailureCluster,
  'id' | 'template' | 'count' | 'share' | 'first_seen' | 'last_seen' | 'trend'
> & { rising: boolean; new: boolean };

/** The consecutive newest failures in the ring of the op's staffer and of its endpoint. */
export interface Streaks {
  staffer: { staffer_id: string; failures: number } | null;
  endpoint: { endpoint: string; failures: number };
}

/** The answer of `POST /observer/review`, for the API description (the code builds `Review`). */
export const ReviewAnswerSchema = z.object({
  op: z
    .looseObject({ endpoint: z.string(), success: z.boolean(), source: z.string() })
    .describe('the op reviewed, and where it was stored when it came from the store'),
  cluster: z
    .looseObject({ id: z.string(), template: z.string(), count: z.number() })
    .nullable()
    .describe('its failure cluster over the ring, with whether it is rising or new'),
  streaks: z.looseObject({}).describe('the current failure streaks of its staffer and endpoint'),
  action: z.enum(REVIEW_ACTIONS).describe("the suggested action: the rules', or the model's"),
  reason: z.string(),
  decided_by: z.enum(['rules', 'model']),
  rules: z.looseObject({ rule: z.string(), conclusive: z.boolean() }),
  model: z.looseObject({}).optional().describe("the fallback model's opinion, or its error"),
  stored: StoredOpSchema.optional().describe(
    'when the request named a stored op by key and line: the op as stored, every field',
  ),
});

/** The answer of `POST /observer/review`. */
export interface Review {
  op: {
    endpoint: string;
    success: boolean;
    source: string;
    staffer_id?: string;
    error?: string;
    key?: string;
    line?: number;
  };
  cluster: ReviewedCluster | null;
  streaks: Streaks;
  /** The suggested action: the rules', or the model's when it was asked and answered. */
  action: ReviewAction;
  reason: string;
  decided_by: 'rules' | 'model';
  rules: RuleVerdict;
  model?: ModelOpinion;
  /** The op as stored, every field, when the request named it by key and line. */
  stored?: ObservedOp;
}

/** Everything a verdict is made from; pure data, no I/O. */
export interface ReviewInput {
  target: ReviewTarget;
  /** The ring, oldest first. */
  entries: readonly RingEntry[];
  /** The op's failure cluster over the ring, if any (see review-clusters.ts). */
  cluster: FailureCluster | undefined;
  /** Now, in ms since the epoch. */
  now: number;
  thresholds?: ReviewThresholds;
}

/**
 * The heuristic verdict on one op: its cluster (how often, since when,
 * rising or new), the current failure streaks of its staffer and endpoint,
 * and the action the rule table suggests (review-rules.ts).
 */
export function reviewOp(input: ReviewInput): Review {
  const { target, entries, cluster, now } = input;
  const thresholds = input.thresholds ?? DEFAULT_REVIEW_THRESHOLDS;
  const { op } = target;
  const streaks = currentStreaks(entries, op);
  const clusterFacts = cluster ? factsOf(cluster, now) : undefined;
  const facts: ReviewFacts = {
    success: op.success,
    hasError: hasError(op),
    ...(clusterFacts ? { cluster: clusterFacts } : {}),
    stafferStreak: streaks.staffer?.failures ?? 0,
    endpointStreak: streaks.endpoint.failures,
  };
  const rules = judge(facts, thresholds);
  return {
    op: summary(target),
    cluster: cluster && clusterFacts ? reviewedCluster(cluster, clusterFacts, thresholds) : null,
    streaks,
    action: rules.action,
    reason: rules.reason,
    decided_by: 'rules',
    rules,
    ...(target.key !== undefined ? { stored: op } : {}),
  };
}

/** The review with the model's opinion: the model decides only when it gave an action. */
export function withModelOpinion(review: Review, opinion: ModelOpinion): Review {
  if ('error' in opinion) return { ...review, model: opinion };
  return {
    ...review,
    action: opinion.action,
    reason: opinion.reason,
    decided_by: 'model',
    model: opinion,
  };
}

/**
 * The current streaks: walking the ring from its newest op, the failures
 * of the op's staffer (and of its endpoint) before their first success.
 */
export function currentStreaks(entries: readonly RingEntry[], op: ObservedOp): Streaks {
  const staffer = op.staffer_id;
  let stafferFailures = 0;
  let endpointFailures = 0;
  let stafferOpen = staffer !== undefined;
  let endpointOpen = true;
  for (let i = entries.length - 1; i >= 0 && (stafferOpen || endpointOpen); i--) {
    const seen = (entries[i] as RingEntry).op;
    if (stafferOpen && seen.staffer_id === staffer) {
      if (seen.success) stafferOpen = false;
      else stafferFailures++;
    }
    if (endpointOpen && seen.endpoint === op.endpoint) {
      if (seen.success) endpointOpen = false;
      else endpointFailures++;
    }
  }
  return {
    staffer: staffer === undefined ? null : { staffer_id: staffer, failures: stafferFailures },
    endpoint: { endpoint: op.endpoint, failures: endpointFailures },
  };
}

/** An error message that is present and not blank. */
export function hasError(op: ObservedOp): op is ObservedOp & { error: string } {
  return typeof op.error === 'string' && op.error.trim() !== '';
}

function factsOf(cluster: FailureCluster, now: number): ClusterFacts {
  const first = Date.parse(cluster.first_seen);
  return {
    count: cluster.count,
    ageMs: Number.isNaN(first) ? Number.POSITIVE_INFINITY : Math.max(0, now - first),
    trend: cluster.trend,
  };
}

function reviewedCluster(
  c: FailureCluster,
  facts: ClusterFacts,
  thresholds: ReviewThresholds,
): ReviewedCluster {
  return {
    id: c.id,
    template: c.template,
    count: c.count,
    share: c.share,
    first_seen: c.first_seen,
    last_seen: c.last_seen,
    trend: c.trend,
    rising: isRising(facts, thresholds),
    new: isNew(facts, thresholds),
  };
}

function summary({ op, key, line }: ReviewTarget): Review['op'] {
  return {
    endpoint: op.endpoint,
    success: op.success,
    source: op.source,
    ...(op.staffer_id !== undefined ? { staffer_id: op.staffer_id } : {}),
    ...(op.error !== undefined ? { error: op.error } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}
