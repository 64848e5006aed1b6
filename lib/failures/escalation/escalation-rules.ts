import { z } from 'zod';
import type { EscalationConfig } from '../../platform/config';

/** The thresholds that decide when an issue escalates, and how often it is escalated. */
export type EscalationThresholds = Pick<
  EscalationConfig,
  'minCount' | 'windowMinutes' | 'growth' | 'cooldownMinutes'
>;

const count = z.number().int().nonnegative();

/** Why a ring cluster crossed a threshold (records written before issues had a lifecycle). */
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
  | { kind: 'skip'; reason: 'cooldown' | 'in-flight' | 'gave-up' | 'sent' };

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

/**
 * The next step for an escalation that must be delivered once under its
 * own id (an issue's transition), given the subject's claim: the claim of
 * this very escalation goes on as `nextRound` says, but is never started
 * again once delivered or rejected (`sent`); the claim of an earlier one
 * gives way to this one, unless that one was delivered less than the
 * cooldown ago, is still sending, or gave up within the cooldown.
 */
export function nextRoundOf(
  claim: ClaimState | undefined,
  escalationId: string,
  now: number,
  limits: ClaimLimits,
): NextRound {
  if (claim === undefined) return { kind: 'new' };
  const step = nextRound(claim, now, limits);
  if (claim.escalation_id === escalationId) {
    if (claim.state === 'delivered' || claim.state === 'rejected') {
      return { kind: 'skip', reason: 'sent' };
    }
    return step.kind === 'new' ? { kind: 'skip', reason: 'gave-up' } : step;
  }
  return step.kind === 'retry' ? { kind: 'new' } : step;
}
