import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../../lib/domain/entry';
import {
  type EscalationDeps,
  type EscalationSubject,
  escalate,
} from '../../../../lib/failures/escalation/escalation';
import { ESCALATION_ID_HEADER } from '../../../../lib/failures/escalation/escalation-delivery';
import type { IssueEscalationPayload } from '../../../../lib/failures/escalation/escalation-payload';
import type { EscalationRecord } from '../../../../lib/failures/escalation/escalation-record';
import { listEscalations } from '../../../../lib/failures/escalation/escalation-record';
import type { EscalationConfig } from '../../../../lib/platform/config';
import { escalationClaimKey } from '../../../../lib/storage/keys';
import { storeView } from '../../../../lib/storage/store';
import {
  escalationConfig,
  type HookReceiver,
  receiverAndStore,
} from '../../../support/hook-receiver';
import { issueTransition } from '../../../support/issue-transition';
import { captureLogs } from '../../../support/logs';
import type { MemorySegmentStore } from '../../../support/memory-store';
import { op } from '../../../support/ops';

const NOW = Date.parse('2026-11-24T21:30:00.000Z');
const MIN = 60_000;
const TUNING = { maxAttempts: 4, attemptTimeoutMs: 5_000, backoffMs: 10, maxBackoffMs: 40 };

let receiver: HookReceiver;
let store: MemorySegmentStore;
beforeEach(async () => ({ receiver, store } = await receiverAndStore()));
afterEach(() => receiver.close());

const config = (fields: Partial<EscalationConfig> = {}): EscalationConfig =>
  escalationConfig(receiver.url, { secret: 'whsec-0123456789abcdef', ...fields });

/** One run, as one snapshot container makes it, at `now`. */
const run = (
  subjects: readonly EscalationSubject[],
  now = NOW,
  deps: Partial<EscalationDeps> = {},
) => escalate(subjects, { store, now, config: config(), tuning: TUNING, ...deps });

/** An issue's transition into escalating at `at` (its own escalation id). */
const firing = (at = NOW, issue: Partial<EscalationSubject['issue']> = {}) =>
  issueTransition(at, { issue });

const payloads = () => receiver.received.map((r) => JSON.parse(r.body) as IssueEscalationPayload);
const records = async () =>
  (await listEscalations(store, 100, NOW + 24 * 60 * MIN)) as unknown as EscalationRecord[];

describe('escalate: one transition', () => {
  it('POSTs the transition, its issue and its sample ops, and records the round', async () => {
    const failing = op('tools/call', { success: false, error: 'connection refused to db-1' });
    const storedKey = await store.append(
      [op('tools/call', { success: false, error: 'x' })],
      new Date(NOW),
    );
    const entries: RingEntry[] = [{ key: 'ops/2026/11/24/21/a.jsonl', line: 0, op: failing }];
    const subject = firing(NOW, {
      samples: [
        { key: 'ops/2026/11/24/21/a.jsonl', line: 0 },
        { key: storedKey, line: 0 },
        { key: 'ops/2026/11/24/21/gone.jsonl', line: 3 },
      ],
    });

    const summary = await run([subject], NOW, { entries, prefix: 'team-a/', service: 'obs-test' });

    expect(summary).toMatchObject({ firing: 1, delivered: 1, failed: 0, errors: 0 });
    const [payload] = payloads();
    expect(payload).toMatchObject({
      type: 'issue.escalating',
      id: subject.id,
      round: 1,
      created_at: new Date(NOW).toISOString(),
      service: 'obs-test',
      prefix: 'team-a/',
      issue: subject.issue,
      transition: subject.transition,
      thresholds: { min_count: 10, window_minutes: 15, growth: 3, cooldown_minutes: 60 },
    });
    expect(payload?.samples).toEqual([
      { key: 'ops/2026/11/24/21/a.jsonl', line: 0, op: failing },
      { key: storedKey, line: 0, op: expect.objectContaining({ error: 'x' }) },
      { key: 'ops/2026/11/24/21/gone.jsonl', line: 3, omitted: 'not found' },
    ]);
    expect(receiver.received[0]?.headers[ESCALATION_ID_HEADER]).toBe(subject.id);
    const [record] = await records();
    expect(record).toMatchObject({
      id: subject.id,
      round: 1,
      cluster_id: subject.issue.id,
      outcome: 'delivered',
      url: receiver.url,
      signed: true,
      attempts: [expect.objectContaining({ status: 200 })],
      payload,
    });
    expect(record?.key).toMatch(
      /^escalations\/2026\/11\/24\/20261124T213000000Z-0123456789abcdef-escalating-r1\.json$/,
    );
  });

  it('does nothing at all without a URL', async () => {
    const summary = await run([firing()], NOW, { config: config({ url: undefined }) });

    expect(summary.firing).toBe(0);
    expect(receiver.received).toHaveLength(0);
    expect(store.objects.size).toBe(0);
  });

  it('delivers a transition once, however many runs see it', async () => {
    const subject = firing();

    await run([subject]);
    const again = await run([subject], NOW + MIN);
    const afterCooldown = await run([subject], NOW + 90 * MIN);

    expect(receiver.received).toHaveLength(1);
    expect(again.skipped).toEqual({ sent: 1 });
    expect(afterCooldown.skipped).toEqual({ sent: 1 });
  });

  it('claims at most 5 escalations in one run, the first ones, and skips those sent', async () => {
    const sent = firing(NOW, { id: 'c0' });
    await run([sent]);
    const subjects = [
      sent,
      ...Array.from({ length: 7 }, (_, i) => firing(NOW, { id: `c${i + 1}` })),
    ];

    const summary = await run(subjects, NOW + MIN);

    expect(summary).toMatchObject({ delivered: 5, skipped: { sent: 1 } });
    expect(
      payloads()
        .map((p) => p.issue.id)
        .sort(),
    ).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });
});

describe('escalate: at most once per issue per cooldown', () => {
  it('delivers exactly once when two containers run at once, both having read no claim', async () => {
    // Each container's claim read waits for the other's: both decide on the same (empty) claim.
    const claimKey = escalationClaimKey('0123456789abcdef-escalating');
    let readers = 0;
    let bothRead: () => void = () => undefined;
    const bothHaveRead = new Promise<void>((resolve) => {
      bothRead = resolve;
    });
    const container = () =>
      storeView(store, {
        getObject: async (key) => {
          const found = await store.getObject(key);
          if (key === claimKey && ++readers <= 2) {
            if (readers === 2) bothRead();
            await bothHaveRead;
          }
          return found;
        },
      });

    const [a, b] = await Promise.all([
      run([firing()], NOW, { store: container() }),
      run([firing()], NOW, { store: container() }),
    ]);

    expect(receiver.received).toHaveLength(1);
    expect(a.delivered + b.delivered).toBe(1);
    expect({ ...a.skipped, ...b.skipped }).toEqual({ taken: 1 });
    expect(await records()).toHaveLength(1);
  });

  it('delivers no later transition inside the cooldown, and the next one after it', async () => {
    await run([firing()]);
    const later = NOW + 30 * MIN;
    const again = await run([firing(later)], later);
    const afterCooldown = NOW + 61 * MIN;
    await run([firing(afterCooldown)], afterCooldown);

    expect(again.skipped).toEqual({ cooldown: 1 });
    expect(receiver.received).toHaveLength(2);
    const [first, second] = payloads();
    expect(second?.id).not.toBe(first?.id);
    expect(second?.round).toBe(1);
  });

  it('keeps issues apart: another issue is escalated inside the first one’s cooldown', async () => {
    await run([firing(NOW, { id: 'aaaa' })]);
    await run([firing(NOW + MIN, { id: 'bbbb' })], NOW + MIN);

    expect(payloads().map((p) => p.issue.id)).toEqual(['aaaa', 'bbbb']);
  });
});

describe('escalate: delivery that fails', () => {
  it('retries after a 503: two attempts, one delivery recorded', async () => {
    receiver.answer(503);

    const summary = await run([firing()]);

    expect(summary.delivered).toBe(1);
    expect(receiver.received).toHaveLength(2);
    const all = await records();
    expect(all).toHaveLength(1);
    expect(all[0]?.outcome).toBe('delivered');
    expect(all[0]?.attempts.map((a) => a.status)).toEqual([503, 200]);
  });

  it('does not retry a 400, and sends nothing more inside the cooldown', async () => {
    receiver.answer(400);

    const first = await run([firing()]);
    const same = await run([firing()], NOW + MIN);
    const next = await run([firing(NOW + MIN)], NOW + MIN);

    expect(first.rejected).toBe(1);
    expect(same.skipped).toEqual({ sent: 1 });
    expect(next.skipped).toEqual({ 'gave-up': 1 });
    expect(receiver.received).toHaveLength(1);
    const [record] = await records();
    expect(record).toMatchObject({ outcome: 'rejected', attempts: [{ status: 400 }] });
  });

  it('is retried by a later run as the next round of the same escalation', async () => {
    receiver.answer(503, 503, 503, 503);

    const subject = firing();
    const first = await run([subject]);
    const second = await run([subject], NOW + MIN);

    expect(first.failed).toBe(1);
    expect(second.delivered).toBe(1);
    const sent = payloads();
    expect(sent).toHaveLength(5);
    expect(sent[4]?.round).toBe(2);
    expect(sent[4]?.id).toBe(sent[0]?.id);
    expect((await records()).map((r) => [r.round, r.outcome])).toEqual([
      [2, 'delivered'],
      [1, 'failed'],
    ]);
  });

  it('takes over a round left sending by a run that died, once abandoned', async () => {
    const dying = storeView(store, {
      putDocument: async (key, body) => {
        // The record of the round's end never lands: the function died while delivering.
        if (body.includes('"outcome":"delivered"')) throw new Error('function timed out');
        await store.putDocument(key, body);
      },
    });
    captureLogs('error', 'info', 'warn');
    const subject = firing();
    await run([subject], NOW, { store: dying });

    const soon = await run([subject], NOW + 2 * MIN);
    const late = await run([subject], NOW + 6 * MIN);

    expect(soon.skipped).toEqual({ 'in-flight': 1 });
    expect(late.delivered).toBe(1);
    const [died, retried] = payloads();
    expect(retried).toMatchObject({ id: died?.id, round: 2 });
  });

  it('logs a store failure for one issue and escalates the others', async () => {
    const logs = captureLogs('error', 'info', 'warn');
    const broken = storeView(store, {
      getObject: async (key) => {
        if (key === escalationClaimKey('aaaa-escalating')) throw new Error('S3 is down');
        return store.getObject(key);
      },
    });

    const summary = await run([firing(NOW, { id: 'aaaa' }), firing(NOW, { id: 'bbbb' })], NOW, {
      store: broken,
    });

    expect(summary).toMatchObject({ delivered: 1, errors: 1 });
    expect(payloads().map((p) => p.issue.id)).toEqual(['bbbb']);
    expect(logs.logLines('escalation failed', 'error')[0]).toMatchObject({
      escalation_id: expect.stringMatching(/^aaaa-escalating-/),
    });
  });
});
