import { z } from 'zod';
import type { EscalationConfig } from '../../platform/config';
import type { FailureCluster } from '../clustering/report';

/** The thresholds that decide when a failure cluster is escalated. */
export type EscalationThresholds = Pick<
  EscalationConfig,
  'minCount' | 'windowMinutes' | 'growth' | 'cooldownMinutes'
>;

const count = z.number().int().nonnegative();

/** Why a cluster crossed a threshold, with the figures that crossed it. */
export const EscalationReasonSchema = z.discriminatedUnion('rule', [
  z.object({
    rule: z.literal('new'),
    count: count.describe("the cluster's failures, every one received within the window"),
    first_seen: z.string(),
    window_minutes: count,
    min_count: count,
  }),
  z.object({
    rule: z.literal('growth'),
    last_hour: count,
    hour_before: count,
    factor: z
      .number()
      .nullable()
      .describe('last_hour ÷ hour_before, to 2 decimals; null when the hour before had none'),
    growth: z.number(),
    min_count: count,
  }),
]);
export type EscalationReason = z.infer<typeof EscalationReasonSchema>;

const MINUTE_MS = 60_000;

/**
 * Why `cluster` should be escalated at `now` (ms since the epoch), or an
 * empty list: a **new** cluster, first seen within the last `windowMinutes`,
 * with at least `minCount` failures; or a **growing** one, with at least
 * `minCount` failures in the last hour and at least `growth` times as many
 * as in the hour before (an hour before with none counts as one).
 */
export function escalationReasons(
  cluster: FailureCluster,
  now: number,
  thresholds: EscalationThresholds,
): EscalationReason[] {
  const { minCount, windowMinutes, growth } = thresholds;
  const reasons: EscalationReason[] = [];
  const firstSeen = Date.parse(cluster.first_seen);
  if (cluster.count >= minCount && firstSeen >= now - windowMinutes * MINUTE_MS) {
    reasons.push({
      rule: 'new',
      count: cluster.count,
      first_seen: cluster.first_seen,
      window_minutes: windowMinutes,
      min_count: minCount,
    });
  }
  const { last_hour, hour_before } = cluster.trend;
  if (last_hour >= minCount && last_hour >= growth * Math.max(hour_before, 1)) {
    reasons.push({
      rule: 'growth',
      last_hour,
      hour_before,
      factor: hour_before === 0 ? null : Math.round((last_hour / hour_before) * 100) / 100,
      growth,
      min_count: minCount,
    });
  }
  return reasons;
}

/** Where a cluster's escalation stands, as its claim records it. */
export interface ClaimState {
  /** The escalation's id: the same for every round of one escalation. */
  escalation_id: string;
  /** Delivery rounds of this escalation so far (1 for the first). */
  round: number;
  /** When the escalation's first round was claimed (ISO 8601). */
  started_at: string;
  /** When the latest round was claimed. */
  claimed_at: string;
  /** When the latest round ended; absent while it is sending. */
  finished_at?: string | undefined;
  /** `sending` while a round runs; then how it ended. */
  state: 'sending' | 'delivered' | 'failed' | 'rejected';
}

/** How the claims of one cluster age: the cooldown, and when a failed escalation is tried again. */
export interface ClaimLimits {
  cooldownMs: number;
  /** Delivery rounds of one escalation, the first included. */
  maxRounds: number;
  /** A round still `sending` after this long died with its function and may be taken over. */
  abandonMs: number;
}

/** What to do about a cluster that crosses a threshold, given its claim. */
export type NextRound =
  | { kind: 'new' }
  | { kind: 'retry'; round: number }
  | { kind: 'skip'; reason: 'cooldown' | 'in-flight' | 'gave-up' };

/**
 * The next step for a cluster that crosses a threshold at `now`: a new
 * escalation when there is none yet or the cooldown has passed since the
 * last delivery (or since a failed escalation began); another round of the
 * same escalation after a failed (or abandoned) round, up to `maxRounds`;
 * otherwise skip. A delivered or rejected escalation is never retried.
 */
export function nextRound(
  claim: ClaimState | undefined,
  now: number,
  limits: ClaimLimits,
): NextRound {
  if (claim === undefined) return { kind: 'new' };
  const since = (iso: string | undefined) => now - Date.parse(iso ?? claim.claimed_at);
  if (claim.state === 'sending' && since(claim.claimed_at) < limits.abandonMs) {
    return { kind: 'skip', reason: 'in-flight' };
  }
  if (claim.state === 'delivered') {
    return since(claim.finished_at) >= limits.cooldownMs
      ? { kind: 'new' }
      : { kind: 'skip', reason: 'cooldown' };
  }
  if (since(claim.started_at) >= limits.cooldownMs) return { kind: 'new' };
  if (claim.state !== 'rejected' && claim.round < limits.maxRounds) {
    return { kind: 'retry', round: claim.round + 1 };
  }
  return { kind: 'skip', reason: 'gave-up' };
}
