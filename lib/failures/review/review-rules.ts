/** What a review suggests doing about an op. */
export const REVIEW_ACTIONS = [
  'none',
  'escalate',
  'investigate',
  'check_staffer_config',
  'check_endpoint',
  'monitor',
] as const;

export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** The rules, in the order they are tried; the first that holds decides. */
export const REVIEW_RULE_IDS = [
  'success',
  'rising',
  'new_cluster',
  'staffer_streak',
  'endpoint_streak',
  'inconclusive',
] as const;

export type ReviewRuleId = (typeof REVIEW_RULE_IDS)[number];

/** The limits the rules compare against. */
export interface ReviewThresholds {
  /** A cluster rises when its last hour holds at least this many failures… */
  risingMin: number;
  /** …and at least this many times the hour before's. */
  risingFactor: number;
  /** A cluster first seen less than this long ago is new. */
  newWithinMs: number;
  /** Consecutive newest failures of one staffer (or endpoint) that make a streak. */
  streakMin: number;
}

/** The documented thresholds (docs/api.md, "The rule table"). */
export const DEFAULT_REVIEW_THRESHOLDS: Readonly<ReviewThresholds> = Object.freeze({
  risingMin: 5,
  risingFactor: 2,
  newWithinMs: 3_600_000,
  streakMin: 3,
});

/** What the rules know of a cluster: its size, age and trend. */
export interface ClusterFacts {
  count: number;
  /** How long ago (ms) its first op was received. */
  ageMs: number;
  trend: { last_hour: number; hour_before: number };
}

/** What the rules look at. */
export interface ReviewFacts {
  success: boolean;
  /** The op carries an error message (it can belong to a cluster). */
  hasError: boolean;
  /** The op's cluster over the ring, if its error matches one. */
  cluster?: ClusterFacts;
  stafferStreak: number;
  endpointStreak: number;
}

/** The rules' answer: the deciding rule and its action, and every rule that held. */
export interface RuleVerdict {
  rule: ReviewRuleId;
  action: ReviewAction;
  reason: string;
  /** Every rule that held, in table order (the first decided). */
  matched: ReviewRuleId[];
  /** False when only `inconclusive` held: the case a fallback model may be asked about. */
  conclusive: boolean;
}

interface Rule {
  id: ReviewRuleId;
  action: ReviewAction;
  holds: (f: ReviewFacts, t: ReviewThresholds) => boolean;
  reason: (f: ReviewFacts, t: ReviewThresholds) => string;
}

/** A cluster's last hour is at least `risingMin` and `risingFactor` times the hour before. */
export function isRising(cluster: ClusterFacts, t: ReviewThresholds): boolean {
  const { last_hour, hour_before } = cluster.trend;
  return last_hour >= t.risingMin && last_hour >= t.risingFactor * hour_before;
}

/** A cluster first seen within `newWithinMs`. */
export function isNew(cluster: ClusterFacts, t: ReviewThresholds): boolean {
  return cluster.ageMs < t.newWithinMs;
}

const failed = (f: ReviewFacts) => !f.success;

/** The rule table, in order: docs/api.md quotes it. */
const RULES: readonly Rule[] = [
  {
    id: 'success',
    action: 'none',
    holds: (f) => f.success,
    reason: () => 'the op succeeded',
  },
  {
    id: 'rising',
    action: 'escalate',
    holds: (f, t) => failed(f) && f.cluster !== undefined && isRising(f.cluster, t),
    reason: (f) =>
      `its cluster is rising: ${f.cluster?.trend.last_hour} failures in the last hour, ` +
      `${f.cluster?.trend.hour_before} in the hour before`,
  },
  {
    id: 'new_cluster',
    action: 'investigate',
    holds: (f, t) => failed(f) && f.hasError && (f.cluster === undefined || isNew(f.cluster, t)),
    reason: (f) =>
      f.cluster === undefined
        ? 'its error matches no failure cluster in the ring: a failure not seen lately'
        : `its cluster is new: first seen ${Math.round(f.cluster.ageMs / 60_000)} minutes ago`,
  },
  {
    id: 'staffer_streak',
    action: 'check_staffer_config',
    holds: (f, t) => failed(f) && f.stafferStreak >= t.streakMin,
    reason: (f) => `the staffer's newest ${f.stafferStreak} ops all failed`,
  },
  {
    id: 'endpoint_streak',
    action: 'check_endpoint',
    holds: (f, t) => failed(f) && f.endpointStreak >= t.streakMin,
    reason: (f) => `the endpoint's newest ${f.endpointStreak} ops all failed`,
  },
  {
    id: 'inconclusive',
    action: 'monitor',
    holds: () => true,
    reason: (f) =>
      f.hasError
        ? 'a known, steady failure with no streak: nothing points at a cause'
        : 'a failure without an error message and no streak: nothing points at a cause',
  },
];

/** Tries the rules in order: the first that holds decides; every one that holds is listed. */
export function judge(
  facts: ReviewFacts,
  thresholds: ReviewThresholds = DEFAULT_REVIEW_THRESHOLDS,
): RuleVerdict {
  const holding = RULES.filter((r) => r.holds(facts, thresholds));
  const first = holding[0] as Rule;
  return {
    rule: first.id,
    action: first.action,
    reason: first.reason(facts, thresholds),
    matched: holding.filter((r) => r.id !== 'inconclusive' || r === first).map((r) => r.id),
    conclusive: first.id !== 'inconclusive',
  };
}
