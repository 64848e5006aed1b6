import { DAY_MS, HOUR_MS, hoursSum, MINUTE_MS, minutesSum, type Tally } from './tally';

/** An issue's status, as the routes answer it (docs/issues.md, "Lifecycle"). */
export const ISSUE_STATUSES = [
  'new',
  'ongoing',
  'escalating',
  'regressed',
  'resolved',
  'muted',
  'merged',
] as const;
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/** What a person may set. */
export const PERSON_STATUSES = ['resolved', 'muted', 'unresolved'] as const;
export type PersonStatusName = (typeof PERSON_STATUSES)[number];

/** A status a person set: what, when (ms), who (a key's fingerprint) and, for muted, until when. */
export interface PersonStatus {
  status: PersonStatusName;
  at: number;
  by: string;
  until?: number | undefined;
}

/** An issue is new for this long after it was first seen. */
export const NEW_FOR_MS = DAY_MS;

/** Days of an issue's own history its baseline is taken from. */
export const BASELINE_DAYS = 7;

/** The thresholds of the escalating rule (OBSERVER_ESCALATE_*). */
export interface EscalationThresholds {
  minCount: number;
  windowMinutes: number;
  growth: number;
}

/** An issue's volume now against what its own history forecasts. */
export interface Forecast {
  /** Failures in the last `windowMinutes` minutes (the minute of `now` included). */
  current: number;
  /** Failures a window of that length held on average over the last 7 days (since first seen). */
  baseline: number;
  /** The volume that escalates: max(minCount, growth × baseline). */
  threshold: number;
  escalating: boolean;
}

/**
 * The escalating rule. The forecast is the issue's own mean rate over the
 * BASELINE_DAYS days before the current window (hours before it was first
 * seen left out), scaled to the window; the issue escalates when the window
 * holds at least `minCount` failures and at least `growth` times the
 * forecast. So a new issue escalates at `minCount` failures within the
 * window, and one that always fails 40 times an hour at 3 × 10 = 30 in a
 * 15-minute window.
 */
export function forecast(t: Tally, now: number, th: EscalationThresholds): Forecast {
  const lastMinute = Math.floor(now / MINUTE_MS);
  const firstMinute = lastMinute - th.windowMinutes + 1;
  const current = t.count === 0 ? 0 : minutesSum(t, firstMinute, lastMinute);
  const windowHour = Math.floor((firstMinute * MINUTE_MS) / HOUR_MS);
  const fromHour = Math.max(windowHour - BASELINE_DAYS * 24, Math.floor(t.first / HOUR_MS));
  const hours = windowHour - fromHour;
  const perHour = hours > 0 ? hoursSum(t, fromHour, windowHour - 1) / hours : 0;
  const baseline = Math.round(((perHour * th.windowMinutes) / 60) * 100) / 100;
  const threshold = Math.max(th.minCount, Math.ceil(th.growth * baseline));
  return { current, baseline, threshold, escalating: current >= threshold };
}

/** One time the escalating rule held for an issue, as the fold saw it (ms). */
export interface Episode {
  start: number;
  end?: number | undefined;
  current: number;
  baseline: number;
}

/** What an issue's status is made from. */
export interface StatusInput {
  tally: Tally;
  mergedInto?: string | undefined;
  person?: PersonStatus | undefined;
  episodes: readonly Episode[];
  forecast: Forecast;
  now: number;
}

/**
 * An issue's status at `now`, first that holds: merged; resolved (no
 * occurrence since), else regressed (escalating when it also escalates);
 * muted (until `until`, and until an escalation that began after the
 * mute); escalating; new (first seen within NEW_FOR_MS); ongoing.
 */
export function issueStatus(input: StatusInput): IssueStatus {
  const { tally, person, forecast: f, now } = input;
  if (input.mergedInto !== undefined) return 'merged';
  if (person?.status === 'resolved') {
    if (tally.last <= person.at) return 'resolved';
    return f.escalating ? 'escalating' : 'regressed';
  }
  if (person?.status === 'muted' && (person.until === undefined || now < person.until)) {
    if (!escalatedSince(input, person.at)) return 'muted';
  }
  if (f.escalating) return 'escalating';
  return tally.first >= now - NEW_FOR_MS ? 'new' : 'ongoing';
}

/** Whether an escalation began after `since`: one the fold saw, or one the fold has not seen yet. */
function escalatedSince(input: StatusInput, since: number): boolean {
  if (input.episodes.some((e) => e.start > since)) return true;
  const open = input.episodes.some((e) => e.end === undefined);
  return input.forecast.escalating && !open;
}

/** The last hour against the hour the issue's own 7 days forecast, and whether it is a significant rise. */
export interface Trend {
  last_hour: number;
  baseline: number;
  rising: boolean;
  /** How far above the forecast the last hour is, in standard deviations (negative: below). */
  score: number;
}

/** A rise is significant when so many failures in the hour had less than this chance. */
export const RISING_P = 0.01;

/**
 * The trend over the last 60 minutes: rising only when that many failures
 * would happen by chance less than 1 time in 100 at the issue's usual rate
 * (a one-sided Poisson test, the rate at least 1 an hour), so one or two
 * failures of a quiet issue never read as a rise.
 */
export function trend(t: Tally, now: number): Trend {
  const f = forecast(t, now, { minCount: 1, windowMinutes: 60, growth: 1 });
  const lambda = Math.max(1, f.baseline);
  const score = Math.round(((f.current - lambda) / Math.sqrt(lambda)) * 100) / 100;
  return {
    last_hour: f.current,
    baseline: f.baseline,
    rising: f.current > lambda && poissonTail(f.current, lambda) < RISING_P,
    score,
  };
}

/** P(X ≥ k) for X ~ Poisson(λ); a normal approximation past λ = 100. */
export function poissonTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda > 100) {
    const z = (k - 0.5 - lambda) / Math.sqrt(lambda);
    return 0.5 * erfc(z / Math.SQRT2);
  }
  let term = Math.exp(-lambda);
  let below = 0;
  for (let i = 0; i < k; i++) {
    below += term;
    term *= lambda / (i + 1);
    if (term === 0 && i > lambda) break;
  }
  return Math.max(0, 1 - below);
}

// Abramowitz and Stegun 7.1.26: enough for a 1 % test.
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const r = poly * Math.exp(-z * z);
  return x >= 0 ? r : 2 - r;
}
