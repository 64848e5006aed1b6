import { describe, expect, it } from 'vitest';
import {
  type Forecast,
  forecast,
  issueStatus,
  poissonTail,
  trend,
} from '../../../lib/issues/lifecycle';
import { countOp, newTally, type Tally } from '../../../lib/issues/tally';
import { op } from '../../support/ops';

const NOW = Date.parse('2026-11-24T21:30:00.000Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const THRESHOLDS = { minCount: 10, windowMinutes: 15, growth: 3 };
/** The start of the hour the 15-minute window before NOW begins in (21:00). */
const HOUR_OF_WINDOW = Date.parse('2026-11-24T21:00:00.000Z');

/** A tally of failures received at the given times. */
function tallyAt(times: readonly number[]): Tally {
  const t = newTally();
  times.forEach((at, line) => {
    countOp(t, op('fill', { success: false }), { key: 'k', line }, at);
  });
  return t;
}

/** `n` failures spread over the minutes `[from, to)` before NOW. */
const spread = (n: number, fromMinutesAgo: number, toMinutesAgo: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      NOW - fromMinutesAgo * MIN + Math.floor(((fromMinutesAgo - toMinutesAgo) * MIN * i) / n),
  );

describe('forecast: the escalating rule', () => {
  it('escalates a new issue once the window holds min_count failures', () => {
    expect(forecast(tallyAt(spread(10, 14, 0)), NOW, THRESHOLDS)).toEqual({
      current: 10,
      baseline: 0,
      threshold: 10,
      escalating: true,
    });
    expect(forecast(tallyAt(spread(9, 14, 0)), NOW, THRESHOLDS).escalating).toBe(false);
  });

  it('forecasts from the issue’s own last 7 days: growth × its usual volume in a window', () => {
    // 40 an hour for the 7 days before: 10 in a 15-minute window, so 30 escalate.
    const history = Array.from(
      { length: 7 * 24 * 40 },
      (_, i) => HOUR_OF_WINDOW - 7 * 24 * HOUR + i * 90_000,
    );
    const usual = tallyAt([...history, ...spread(29, 14, 0)]);
    const surge = tallyAt([...history, ...spread(30, 14, 0)]);

    expect(forecast(usual, NOW, THRESHOLDS)).toMatchObject({
      baseline: 10,
      threshold: 30,
      escalating: false,
    });
    expect(forecast(surge, NOW, THRESHOLDS).escalating).toBe(true);
  });

  it('leaves hours before the issue was first seen out of its baseline', () => {
    // First seen two whole hours before the window's, 20 an hour: 5 a window, so 15 escalate.
    const recent = Array.from({ length: 40 }, (_, i) => HOUR_OF_WINDOW - 2 * HOUR + i * 3 * MIN);

    expect(forecast(tallyAt([...recent, ...spread(14, 14, 0)]), NOW, THRESHOLDS)).toMatchObject({
      baseline: 5,
      threshold: 15,
      escalating: false,
    });
  });
});

describe('issueStatus', () => {
  const quiet: Forecast = { current: 0, baseline: 0, threshold: 10, escalating: false };
  const loud: Forecast = { current: 12, baseline: 0, threshold: 10, escalating: true };
  const status = (fields: Partial<Parameters<typeof issueStatus>[0]>) =>
    issueStatus({
      tally: tallyAt([NOW - 2 * HOUR]),
      episodes: [],
      forecast: quiet,
      now: NOW,
      ...fields,
    });

  it('is new within a day of first seen, then ongoing', () => {
    expect(status({})).toBe('new');
    expect(status({ tally: tallyAt([NOW - 25 * HOUR]) })).toBe('ongoing');
  });

  it('is resolved until a failure after the resolution, then regressed', () => {
    const resolved = { status: 'resolved' as const, at: NOW - HOUR, by: 'k1' };

    expect(status({ person: resolved })).toBe('resolved');
    expect(status({ person: resolved, tally: tallyAt([NOW - 2 * HOUR, NOW - MIN]) })).toBe(
      'regressed',
    );
  });

  it('is muted until its end, and until an escalation that began after the mute', () => {
    const muted = { status: 'muted' as const, at: NOW - HOUR, by: 'k1', until: NOW + HOUR };

    expect(status({ person: muted })).toBe('muted');
    expect(status({ person: { ...muted, until: NOW - MIN } })).toBe('new');
    expect(status({ person: muted, forecast: loud })).toBe('escalating');
    const before = [{ start: NOW - 2 * HOUR, current: 12, baseline: 0 }];
    expect(status({ person: muted, forecast: loud, episodes: before })).toBe('muted');
  });

  it('is merged above all', () => {
    expect(status({ mergedInto: 'x', forecast: loud })).toBe('merged');
  });
});

describe('trend: rising only when significant', () => {
  it('does not call one or two failures of a quiet issue a rise', () => {
    expect(trend(tallyAt([NOW - MIN]), NOW).rising).toBe(false);
    expect(trend(tallyAt([NOW - MIN, NOW - 2 * MIN]), NOW).rising).toBe(false);
  });

  it('calls five in an hour after nothing a rise, and not against its usual 20 an hour', () => {
    const five = spread(5, 50, 0);
    const usual = Array.from(
      { length: 7 * 24 * 20 },
      (_, i) => NOW - HOUR - 7 * 24 * HOUR + i * 3 * MIN,
    );

    expect(trend(tallyAt(five), NOW)).toMatchObject({ last_hour: 5, rising: true });
    expect(trend(tallyAt([...usual, ...spread(25, 50, 0)]), NOW).rising).toBe(false);
    expect(trend(tallyAt([...usual, ...spread(45, 50, 0)]), NOW).rising).toBe(true);
  });

  it('computes a Poisson tail', () => {
    expect(poissonTail(0, 3)).toBe(1);
    expect(poissonTail(1, 1)).toBeCloseTo(1 - Math.exp(-1), 10);
    expect(poissonTail(130, 100)).toBeLessThan(0.01);
    expect(poissonTail(110, 100)).toBeGreaterThan(0.1);
  });
});
