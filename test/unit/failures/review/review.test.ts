import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../../lib/domain/entry';
import type { ObservedOp } from '../../../../lib/domain/op';
import { clusterFailures } from '../../../../lib/failures/clustering/clusters';
import type { FailureCluster } from '../../../../lib/failures/clustering/report';
import { currentStreaks, reviewOp, withModelOpinion } from '../../../../lib/failures/review/review';
import { clusterMatcher } from '../../../../lib/failures/review/review-clusters';
import {
  DEFAULT_REVIEW_THRESHOLDS,
  judge,
  type ReviewFacts,
} from '../../../../lib/failures/review/review-rules';
import { HOUR_MS, segmentKey } from '../../../../lib/storage/keys';
import { op } from '../../../support/ops';

const NOW = Date.UTC(2026, 10, 24, 21, 0, 0);
const MINUTE = 60_000;

/** A failure's facts: a known cluster, two hours old, steady, no streak. */
function facts(fields: Partial<ReviewFacts> = {}): ReviewFacts {
  return {
    success: false,
    hasError: true,
    cluster: { count: 10, ageMs: 2 * HOUR_MS, trend: { last_hour: 3, hour_before: 3 } },
    stafferStreak: 0,
    endpointStreak: 0,
    ...fields,
  };
}

/** A ring entry stored `minutesAgo` before NOW, one op per segment. */
function entry(minutesAgo: number, o: ObservedOp, unique = `${minutesAgo}x`): RingEntry {
  return { key: segmentKey(new Date(NOW - minutesAgo * MINUTE), unique), line: 0, op: o };
}

const fail = (endpoint: string, error: string, fields: Partial<ObservedOp> = {}) =>
  op(endpoint, { success: false, error, ...fields });

function cluster(fields: Partial<FailureCluster> = {}): FailureCluster {
  return {
    id: 'c1',
    endpoint: 'tools/call',
    template: 'timeout after <*> ms',
    count: 10,
    share: 0.5,
    endpoints: ['tools/call'],
    sources: ['mcp'],
    staffers: [],
    first_seen: new Date(NOW - 2 * HOUR_MS).toISOString(),
    last_seen: new Date(NOW - MINUTE).toISOString(),
    trend: { last_hour: 3, hour_before: 3 },
    samples: [],
    ...fields,
  };
}

describe('the rule table', () => {
  it('has nothing to do for a success, whatever else holds', () => {
    const verdict = judge(facts({ success: true, stafferStreak: 9 }));

    expect(verdict).toMatchObject({ rule: 'success', action: 'none', conclusive: true });
    expect(verdict.matched).toEqual(['success']);
  });

  it('escalates a rising cluster: at least 5 in the last hour and twice the hour before', () => {
    const rising = facts({
      cluster: { count: 12, ageMs: 2 * HOUR_MS, trend: { last_hour: 8, hour_before: 4 } },
    });

    expect(judge(rising)).toMatchObject({ rule: 'rising', action: 'escalate' });
  });

  it.each([
    [4, 0],
    [7, 4],
  ])('does not call %i after %i rising', (last, before) => {
    const verdict = judge(
      facts({
        cluster: { count: 20, ageMs: 2 * HOUR_MS, trend: { last_hour: last, hour_before: before } },
      }),
    );

    expect(verdict.rule).toBe('inconclusive');
  });

  it('investigates a cluster first seen within the hour', () => {
    const verdict = judge(
      facts({ cluster: { count: 2, ageMs: 20 * MINUTE, trend: { last_hour: 2, hour_before: 0 } } }),
    );

    expect(verdict).toMatchObject({ rule: 'new_cluster', action: 'investigate' });
    expect(verdict.reason).toContain('20 minutes');
  });

  it('investigates an error that matches no cluster in the ring', () => {
    const { cluster: _, ...unclustered } = facts();

    expect(judge(unclustered)).toMatchObject({ rule: 'new_cluster', action: 'investigate' });
  });

  it("checks the staffer's configuration on a streak of 3, and lists the endpoint streak too", () => {
    const verdict = judge(facts({ stafferStreak: 3, endpointStreak: 5 }));

    expect(verdict).toMatchObject({ rule: 'staffer_streak', action: 'check_staffer_config' });
    expect(verdict.matched).toEqual(['staffer_streak', 'endpoint_streak']);
  });

  it('checks the endpoint on an endpoint streak alone', () => {
    expect(judge(facts({ stafferStreak: 2, endpointStreak: 3 }))).toMatchObject({
      rule: 'endpoint_streak',
      action: 'check_endpoint',
    });
  });

  it('lets a rising cluster decide before a new one and a streak', () => {
    const verdict = judge(
      facts({
        cluster: { count: 9, ageMs: 10 * MINUTE, trend: { last_hour: 9, hour_before: 0 } },
        stafferStreak: 4,
      }),
    );

    expect(verdict.rule).toBe('rising');
    expect(verdict.matched).toEqual(['rising', 'new_cluster', 'staffer_streak']);
  });

  it('is inconclusive for a known, steady failure without a streak: monitor', () => {
    const verdict = judge(facts());

    expect(verdict).toMatchObject({ rule: 'inconclusive', action: 'monitor', conclusive: false });
    expect(verdict.matched).toEqual(['inconclusive']);
  });

  it('is inconclusive for a failure without an error message and no streak', () => {
    const { cluster: _, ...bare } = facts({ hasError: false });

    expect(judge(bare)).toMatchObject({ rule: 'inconclusive', conclusive: false });
  });

  it('uses the thresholds it is given', () => {
    const strict = { ...DEFAULT_REVIEW_THRESHOLDS, streakMin: 10 };

    expect(judge(facts({ stafferStreak: 5 }), strict).rule).toBe('inconclusive');
  });
});

describe('currentStreaks', () => {
  it("counts the staffer's and the endpoint's newest failures up to their last success", () => {
    const ring = [
      entry(50, fail('a', 'x', { staffer_id: 'w-1' })),
      entry(40, op('a', { staffer_id: 'w-1' })),
      entry(30, fail('b', 'x', { staffer_id: 'w-1' })),
      entry(20, fail('a', 'x', { staffer_id: 'w-2' })),
      entry(10, fail('a', 'x', { staffer_id: 'w-1' })),
    ];

    const streaks = currentStreaks(ring, fail('a', 'x', { staffer_id: 'w-1' }));

    expect(streaks).toEqual({
      staffer: { staffer_id: 'w-1', failures: 2 },
      endpoint: { endpoint: 'a', failures: 2 },
    });
  });

  it('has no staffer streak for an op without a staffer, and 0 after a success', () => {
    const ring = [entry(20, fail('a', 'x')), entry(10, op('a'))];

    expect(currentStreaks(ring, fail('a', 'x'))).toEqual({
      staffer: null,
      endpoint: { endpoint: 'a', failures: 0 },
    });
  });
});

describe('reviewOp', () => {
  it('names the cluster, how often and since when, and whether it is rising or new', () => {
    const review = reviewOp({
      target: { op: fail('tools/call', 'timeout after 30 ms'), key: 'k', line: 2 },
      entries: [],
      cluster: cluster({ trend: { last_hour: 6, hour_before: 1 } }),
      now: NOW,
    });

    expect(review.cluster).toEqual({
      id: 'c1',
      template: 'timeout after <*> ms',
      count: 10,
      share: 0.5,
      first_seen: new Date(NOW - 2 * HOUR_MS).toISOString(),
      last_seen: new Date(NOW - MINUTE).toISOString(),
      trend: { last_hour: 6, hour_before: 1 },
      rising: true,
      new: false,
    });
    expect(review).toMatchObject({ action: 'escalate', decided_by: 'rules' });
    expect(review.op).toMatchObject({ endpoint: 'tools/call', key: 'k', line: 2 });
  });

  it('takes the model opinion as the action, or keeps the rules and the error', () => {
    const review = reviewOp({
      target: { op: fail('a', 'x') },
      entries: [],
      cluster: cluster(),
      now: NOW,
    });

    const answered = withModelOpinion(review, { name: 'm', action: 'check_endpoint', reason: 'r' });
    const failed = withModelOpinion(review, { error: 'timed out' });

    expect(answered).toMatchObject({ action: 'check_endpoint', reason: 'r', decided_by: 'model' });
    expect(answered.rules.action).toBe('monitor');
    expect(failed).toMatchObject({
      action: 'monitor',
      decided_by: 'rules',
      model: { error: 'timed out' },
    });
  });
});

describe('clusterMatcher', () => {
  const ring = [
    entry(90, fail('tools/call', 'timeout after 30 ms'), 'a'),
    entry(80, fail('tools/call', 'timeout after 45 ms'), 'b'),
    entry(50, fail('tools/list', 'timeout after 45 ms'), 'c'),
    entry(40, op('tools/call'), 'd'),
    entry(30, fail('tools/call', 'timeout after 12 ms'), 'e'),
    entry(20, fail('tools/call', 'permission denied for w-9'), 'f'),
  ];

  it('finds a stored op by its position, and a sent op by its message and endpoint', () => {
    const clusters = clusterFailures(ring, NOW);
    const clusterOf = clusterMatcher(ring, clusters);
    const stored = ring[1] as RingEntry;

    expect(clusterOf({ op: stored.op, key: stored.key, line: 0 })).toBe(clusters[0]);
    expect(clusterOf({ op: fail('tools/call', 'timeout after 99 ms') })).toBe(clusters[0]);
    expect(clusterOf({ op: fail('tools/list', 'timeout after 99 ms') })).toBe(
      clusters.find((c) => c.endpoint === 'tools/list'),
    );
  });

  it('finds no cluster for an unseen error, another endpoint, or a success', () => {
    const clusterOf = clusterMatcher(ring, clusterFailures(ring, NOW));

    expect(clusterOf({ op: fail('tools/call', 'disk full on /dev/sda1') })).toBeUndefined();
    expect(clusterOf({ op: fail('resources/read', 'timeout after 1 ms') })).toBeUndefined();
    expect(clusterOf({ op: op('tools/call') })).toBeUndefined();
  });

  it('links clusters made elsewhere through their samples, whatever their ids', () => {
    const foreign = clusterFailures(ring, NOW).map((c, i) => ({ ...c, id: `other-${i}` }));
    const clusterOf = clusterMatcher(ring, foreign);

    expect(clusterOf({ op: fail('tools/call', 'timeout after 1 ms') })?.id).toBe('other-0');
  });
});
