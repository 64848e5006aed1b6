import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { IssueEscalationPayload } from '../../lib/failures/escalation/escalation-payload';
import type { IssueSummary } from '../../lib/issues/answers';
import { bookOf, type IssueState, parseStateBytes } from '../../lib/issues/state';
import { MIN_SKEW_MS } from '../../lib/platform/limits';
import { ISSUES_STATE_KEY } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { type Container, freshContainer } from '../support/container';
import { bodyOf, getStats, httpEvent, postBatch } from '../support/events';
import { type HookReceiver, startHookReceiver } from '../support/hook-receiver';
import { captureLogs } from '../support/logs';
import { rawClient, uniquePrefix } from '../support/s3';

// Issues over a real local S3, through the handlers: the fold, the routes,
// and the escalation of transitions to a real receiver. A fold reads only
// what is older than the skew window, so these tests wait it out (bounded
// sleeps, no timing assertion).

const s3 = rawClient();
afterAll(() => s3.destroy());

let receiver: HookReceiver;
beforeEach(async () => {
  receiver = await startHookReceiver();
});
afterEach(() => receiver.close());

/** Sleeps until everything stored so far is older than the skew window. */
const outOfSkew = () => sleep(MIN_SKEW_MS + 500);

async function container(prefix: string, env: Record<string, string> = {}): Promise<Container> {
  return freshContainer({
    OBSERVER_PREFIX: prefix,
    OBSERVER_SKEW_MS: String(MIN_SKEW_MS),
    OBSERVER_ESCALATION_URL: receiver.url,
    ...env,
  });
}

/** The issue state the fold last wrote. */
async function storedState(prefix: string) {
  const found = await new S3SegmentStore(s3, inject('s3Bucket'), prefix).getObject(
    ISSUES_STATE_KEY,
  );
  return bookOf(parseStateBytes(found?.body ?? new Uint8Array()) as IssueState);
}

const post = (c: Container, ops: unknown[]) => c.events(postBatch(ops));
const statusOf = (res: { body?: string }) => (bodyOf(res).issue as IssueSummary).status;
const issueOf = async (c: Container, id: string) =>
  bodyOf(
    await c.issue({ ...httpEvent({ path: `/observer/issues/${id}` }), pathParameters: { id } }),
  ).issue as IssueSummary;
const setStatus = (c: Container, id: string, body: unknown) =>
  c.issueStatus({
    ...httpEvent({
      method: 'POST',
      path: `/observer/issues/${id}`,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
    pathParameters: { id },
  });

describe('the fold over S3', () => {
  it('counts every failure posted between two folds when more arrive than the ring holds', async () => {
    const prefix = uniquePrefix('issues-flood');
    const c = await container(prefix, { OBSERVER_RING_CAP: '300' });
    await post(c, [{ endpoint: 'tools/call', error: 'disk full on /dev/sda1' }]);
    await outOfSkew();
    await c.snapshot();
    for (let batch = 0; batch < 10; batch++) {
      const ops = Array.from({ length: 100 }, (_, i) => ({
        endpoint: 'tools/call',
        error: `timeout after ${batch * 100 + i} ms`,
      }));
      expect((await post(c, ops)).statusCode).toBe(201);
    }

    await outOfSkew();
    await c.snapshot();
    const folded = await storedState(prefix);
    const listed = bodyOf(
      await c.issues(httpEvent({ path: '/observer/issues', query: { sort: 'count' } })),
    );
    const stats = bodyOf(await c.stats(getStats()));

    expect(stats.total).toBe(300);
    const counts = [...folded.issues.values()].map((r) => [r.template, r.tally.count]);
    expect(counts.sort()).toEqual([
      ['disk full on <*>', 1],
      ['timeout after <*>', 1000],
    ]);
    expect((listed.issues as IssueSummary[]).map((r) => r.count)).toEqual([1000, 1]);
  });
});

describe('the life of an issue', () => {
  it('goes new → resolved → regressed → muted → escalating, with one webhook per transition into regressed and escalating', async () => {
    const prefix = uniquePrefix('issues-life');
    const c = await container(prefix);
    const logs = captureLogs('info', 'warn', 'error');
    const failing = (n: number, from = 0) =>
      Array.from({ length: n }, (_, i) => ({
        endpoint: 'tools/call',
        error: `connection refused to db-${from + i}`,
        staffer_id: 'w-17',
      }));
    await post(c, failing(1));
    await outOfSkew();
    await c.snapshot();
    const id =
      (bodyOf(await c.issues(httpEvent({ path: '/observer/issues' }))).issues as IssueSummary[])[0]
        ?.id ?? '';
    const statuses = [(await issueOf(c, id)).status];

    statuses.push(statusOf(await setStatus(c, id, { status: 'resolved' })));
    await post(c, failing(1, 1));
    statuses.push((await issueOf(c, id)).status);
    await outOfSkew();
    await c.snapshot();
    const afterRegression = receiver.received.length;
    statuses.push(statusOf(await setStatus(c, id, { status: 'muted' })));
    await post(c, failing(12, 2));
    statuses.push((await issueOf(c, id)).status);
    await outOfSkew();
    await c.snapshot();
    await c.snapshot();
    statuses.push((await issueOf(c, id)).status);

    expect(statuses).toEqual(['new', 'resolved', 'regressed', 'muted', 'escalating', 'escalating']);
    expect(afterRegression).toBe(1);
    const payloads = receiver.received.map((r) => JSON.parse(r.body) as IssueEscalationPayload);
    expect(payloads.map((p) => [p.type, p.issue.id])).toEqual([
      ['issue.regressed', id],
      ['issue.escalating', id],
    ]);
    expect(payloads[0]?.transition).toMatchObject({ kind: 'regressed', resolved_by: 'open' });
    expect(payloads[1]?.transition).toMatchObject({
      kind: 'escalating',
      current: 14,
      threshold: 10,
    });
    expect(logs.logLines('escalation run').map((r) => r.skipped)).toContainEqual({ sent: 2 });
    const page = bodyOf(
      await c.issue({ ...httpEvent({ path: `/observer/issues/${id}` }), pathParameters: { id } }),
    );
    expect((page.escalations as { outcome: string }[]).map((e) => e.outcome)).toEqual([
      'delivered',
      'delivered',
    ]);
    expect((page.transitions as { kind: string }[]).map((t) => t.kind)).toEqual([
      'escalating',
      'regressed',
    ]);
  });
});
