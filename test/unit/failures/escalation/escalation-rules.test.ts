import { describe, expect, it } from 'vitest';
import {
  type ClaimState,
  escalationReasons,
  nextRound,
} from '../../../../lib/failures/escalation/escalation-rules';
import { failureCluster } from '../../../support/failure-cluster';

const NOW = Date.parse('2026-11-24T21:30:00.000Z');
const MIN = 60_000;
const THRESHOLDS = { minCount: 10, windowMinutes: 15, growth: 3, cooldownMinutes: 60 };

/** A cluster first seen `minutesAgo` before NOW. */
const cluster = (
  minutesAgo: number,
  count: number,
  trend: { last_hour: number; hour_before: number },
) =>
  failureCluster(NOW, {
    count,
    first_seen: new Date(NOW - minutesAgo * MIN).toISOString(),
    trend,
  });

const rules = (c: ReturnType<typeof cluster>) =>
  escalationReasons(c, NOW, THRESHOLDS).map((r) => r.rule);

describe('escalationReasons: a new cluster', () => {
  it('fires with at least N failures, all within the last M minutes', () => {
    const reasons = escalationReasons(
      cluster(14, 10, { last_hour: 10, hour_before: 5 }),
      NOW,
      THRESHOLDS,
    );

    expect(reasons).toEqual([
      {
        rule: 'new',
        count: 10,
        first_seen: new Date(NOW - 14 * MIN).toISOString(),
        window_minutes: 15,
        min_count: 10,
      },
    ]);
  });

  it('fires on a cluster first seen exactly M minutes ago', () => {
    expect(rules(cluster(15, 10, { last_hour: 10, hour_before: 10 }))).toEqual(['new']);
  });

  it('does not fire below N failures', () => {
    expect(rules(cluster(5, 9, { last_hour: 9, hour_before: 0 }))).toEqual([]);
  });

  it('does not fire on a cluster first seen before the window', () => {
    expect(rules(cluster(16, 500, { last_hour: 100, hour_before: 400 }))).toEqual([]);
  });
});

describe('escalationReasons: a growing cluster', () => {
  it('fires on k-fold growth hour over hour, with the factor', () => {
    const reasons = escalationReasons(
      cluster(120, 40, { last_hour: 30, hour_before: 10 }),
      NOW,
      THRESHOLDS,
    );

    expect(reasons).toEqual([
      { rule: 'growth', last_hour: 30, hour_before: 10, factor: 3, growth: 3, min_count: 10 },
    ]);
  });

  it('does not fire below k-fold', () => {
    expect(rules(cluster(120, 40, { last_hour: 29, hour_before: 10 }))).toEqual([]);
  });

  it('does not fire on small numbers: 1 → 3 is threefold but under the minimum count', () => {
    expect(rules(cluster(120, 4, { last_hour: 3, hour_before: 1 }))).toEqual([]);
  });

  it('fires from an empty hour before once the last hour reaches the minimum', () => {
    const [reason] = escalationReasons(
      cluster(90, 11, { last_hour: 10, hour_before: 0 }),
      NOW,
      THRESHOLDS,
    );

    expect(reason).toMatchObject({ rule: 'growth', factor: null });
  });

  it('gives both reasons when a new cluster is also growing', () => {
    expect(rules(cluster(3, 12, { last_hour: 12, hour_before: 0 }))).toEqual(['new', 'growth']);
  });

  it('reads the growth factor as a real number', () => {
    const t = { ...THRESHOLDS, growth: 2.5 };

    expect(escalationReasons(cluster(120, 50, { last_hour: 25, hour_before: 10 }), NOW, t)).toEqual(
      [expect.objectContaining({ rule: 'growth', factor: 2.5 })],
    );
    expect(escalationReasons(cluster(120, 50, { last_hour: 24, hour_before: 10 }), NOW, t)).toEqual(
      [],
    );
  });
});

describe('nextRound', () => {
  const LIMITS = { cooldownMs: 60 * MIN, maxRounds: 3, abandonMs: 5 * MIN };
  const ago = (minutes: number) => new Date(NOW - minutes * MIN).toISOString();
  const claim = (fields: Partial<ClaimState>): ClaimState => ({
    escalation_id: 'c-1',
    round: 1,
    started_at: ago(10),
    claimed_at: ago(10),
    finished_at: ago(10),
    state: 'delivered',
    ...fields,
  });

  it('starts a new escalation for a cluster never escalated', () => {
    expect(nextRound(undefined, NOW, LIMITS)).toEqual({ kind: 'new' });
  });

  it('skips a delivered cluster inside the cooldown, counted from the delivery', () => {
    const delivered = claim({ claimed_at: ago(70), started_at: ago(70), finished_at: ago(59) });

    expect(nextRound(delivered, NOW, LIMITS)).toEqual({ kind: 'skip', reason: 'cooldown' });
  });

  it('starts a new escalation once the cooldown has passed', () => {
    expect(nextRound(claim({ finished_at: ago(60) }), NOW, LIMITS)).toEqual({ kind: 'new' });
  });

  it('retries a failed round as the next round of the same escalation', () => {
    expect(nextRound(claim({ state: 'failed', round: 2 }), NOW, LIMITS)).toEqual({
      kind: 'retry',
      round: 3,
    });
  });

  it('gives up after the last round until the cooldown has passed since the escalation began', () => {
    const failed = claim({ state: 'failed', round: 3, started_at: ago(59) });

    expect(nextRound(failed, NOW, LIMITS)).toEqual({ kind: 'skip', reason: 'gave-up' });
    expect(nextRound({ ...failed, started_at: ago(60) }, NOW, LIMITS)).toEqual({ kind: 'new' });
  });

  it('never retries a rejected round', () => {
    expect(nextRound(claim({ state: 'rejected' }), NOW, LIMITS)).toEqual({
      kind: 'skip',
      reason: 'gave-up',
    });
  });

  it('leaves a round that is sending to its run, then takes it over once abandoned', () => {
    const sending = claim({ state: 'sending', claimed_at: ago(4), finished_at: undefined });

    expect(nextRound(sending, NOW, LIMITS)).toEqual({ kind: 'skip', reason: 'in-flight' });
    expect(nextRound({ ...sending, claimed_at: ago(5) }, NOW, LIMITS)).toEqual({
      kind: 'retry',
      round: 2,
    });
  });
});
