import { describe, expect, it } from 'vitest';
import {
  type ClaimState,
  nextRound,
  nextRoundOf,
} from '../../../../lib/failures/escalation/escalation-rules';

const NOW = Date.parse('2026-11-24T21:30:00.000Z');
const MIN = 60_000;
const LIMITS = { cooldownMs: 60 * MIN, maxRounds: 3, abandonMs: 5 * MIN };
const ago = (minutes: number) => new Date(NOW - minutes * MIN).toISOString();

describe('nextRound', () => {
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

describe('nextRoundOf: an escalation delivered once under its own id', () => {
  const claim = (fields: Partial<ClaimState>): ClaimState => ({
    escalation_id: 'i-escalating-1',
    round: 1,
    started_at: ago(10),
    claimed_at: ago(10),
    finished_at: ago(10),
    state: 'delivered',
    ...fields,
  });

  it('starts one never claimed', () => {
    expect(nextRoundOf(undefined, 'i-regressed-2', NOW, LIMITS)).toEqual({ kind: 'new' });
  });

  it('never starts its own again once delivered or rejected, cooldown or not', () => {
    for (const state of ['delivered', 'rejected'] as const) {
      for (const finished of [ago(10), ago(600)]) {
        expect(
          nextRoundOf(claim({ state, finished_at: finished }), 'i-escalating-1', NOW, LIMITS),
        ).toEqual({ kind: 'skip', reason: 'sent' });
      }
    }
  });

  it('retries its own failed round, and gives it up once the cooldown has passed', () => {
    const failed = claim({ state: 'failed', round: 1 });

    expect(nextRoundOf(failed, 'i-escalating-1', NOW, LIMITS)).toEqual({
      kind: 'retry',
      round: 2,
    });
    expect(nextRoundOf({ ...failed, started_at: ago(60) }, 'i-escalating-1', NOW, LIMITS)).toEqual({
      kind: 'skip',
      reason: 'gave-up',
    });
  });

  it('waits for the cooldown after another escalation of the issue was delivered', () => {
    expect(nextRoundOf(claim({}), 'i-regressed-2', NOW, LIMITS)).toEqual({
      kind: 'skip',
      reason: 'cooldown',
    });
    expect(nextRoundOf(claim({ finished_at: ago(60) }), 'i-regressed-2', NOW, LIMITS)).toEqual({
      kind: 'new',
    });
  });

  it('takes the place of another escalation that failed and would be retried', () => {
    expect(nextRoundOf(claim({ state: 'failed', round: 1 }), 'i-regressed-2', NOW, LIMITS)).toEqual(
      { kind: 'new' },
    );
  });
});
