import { beforeEach, describe, expect, it } from 'vitest';
import { handler as issue } from '../../../handlers/issue';
import { handler as issueMerge } from '../../../handlers/issue-merge';
import { handler as issueStatus } from '../../../handlers/issue-status';
import { handler as issues } from '../../../handlers/issues';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as snapshot } from '../../../handlers/snapshot';
import { resetRuntime } from '../../../lib/app/runtime';
import type { ObservedOp } from '../../../lib/domain/op';
import { failureClusterId } from '../../../lib/failures/clustering/clusters';
import type { IssueSummary } from '../../../lib/issues/answers';
import { bookOf, type IssueState, parseStateBytes } from '../../../lib/issues/state';
import { ISSUES_STATE_KEY } from '../../../lib/storage/keys';
import { bodyOf, httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
  captureLogs('info', 'warn', 'error');
});

const MIN = 60_000;
const idOf = (endpoint: string, template: string) => failureClusterId(endpoint, template);
const DISK = idOf('tools/write', 'disk full on <*>');
const QUOTA = idOf('tools/search', 'quota exceeded for tenant acme');
const NO_ERROR = idOf('tools/read', '');

/** Stores failed ops `minutesAgo` before now, one segment each. */
async function failedAgo(minutesAgo: number, ...ops: Partial<ObservedOp>[]): Promise<void> {
  for (const [i, fields] of ops.entries()) {
    const at = new Date(Date.now() - minutesAgo * MIN + i);
    await store.append(
      [op(fields.endpoint, { success: false, timestamp: at.toISOString(), ...fields })],
      at,
    );
  }
}

const list = (query: Record<string, string> = {}) =>
  issues(httpEvent({ path: '/observer/issues', query }));
const one = (id: string, query: Record<string, string> = {}) => ({
  ...httpEvent({ path: `/observer/issues/${id}`, query }),
  pathParameters: { id },
});
const post = (path: string, id: string, body: unknown) => ({
  ...httpEvent({
    method: 'POST',
    path,
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  }),
  pathParameters: { id },
});
const setStatus = (id: string, body: unknown) =>
  issueStatus(post(`/observer/issues/${id}`, id, body));
const merge = (id: string, body: unknown) =>
  issueMerge(post(`/observer/issues/${id}/merge`, id, body));
const rows = (res: { body?: string }) => bodyOf(res).issues as IssueSummary[];

/** Three issues: disk full (3, two staffers), quota (1, source scenario), no error (1). */
async function threeIssues(): Promise<void> {
  await failedAgo(
    30,
    { endpoint: 'tools/write', error: 'disk full on /dev/sda1', staffer_id: 'w-1' },
    {
      endpoint: 'tools/write',
      error: 'disk full on /dev/sdb2',
      staffer_id: 'w-2',
      role: 'builder',
    },
  );
  await failedAgo(20, {
    endpoint: 'tools/search',
    error: 'quota exceeded for tenant acme',
    source: 'scenario',
  });
  await failedAgo(
    10,
    { endpoint: 'tools/read' },
    { endpoint: 'tools/write', error: 'disk full on /dev/sdc3' },
  );
  await snapshot();
}

describe('GET /observer/issues', () => {
  it('lists every issue the fold counted, newest first, with counts, shares and status', async () => {
    await threeIssues();

    const res = await list();

    expect(res.statusCode).toBe(200);
    expect(rows(res).map((r) => [r.id, r.template, r.count, r.status, r.range.share])).toEqual([
      [DISK, 'disk full on <*>', 3, 'new', 0.6],
      [NO_ERROR, '(no error)', 1, 'new', 0.2],
      [QUOTA, 'quota exceeded for tenant acme', 1, 'new', 0.2],
    ]);
    expect(bodyOf(res)).toMatchObject({ total: 3, failures: 5, next_cursor: null });
    expect(rows(res)[0]?.sparkline.reduce((a, b) => a + b, 0)).toBe(3);
    expect(store.objects.has(ISSUES_STATE_KEY)).toBe(true);
  });

  it('shows a failure newer than the fold at the next read, from the ring', async () => {
    await threeIssues();
    const now = new Date();
    await store.append(
      [op('tools/search', { success: false, error: 'quota exceeded for tenant acme' })],
      now,
    );

    const quota = rows(await list()).find((r) => r.id === QUOTA);

    expect(quota?.count).toBe(2);
    expect(quota?.last_seen).toBe(now.toISOString());
  });

  it('filters by endpoint, source, staffer, text, status and time', async () => {
    await threeIssues();
    const ids = async (query: Record<string, string>) => rows(await list(query)).map((r) => r.id);
    const since = new Date(Date.now() - 15 * MIN).toISOString();

    expect(await ids({ endpoint: 'tools/write' })).toEqual([DISK]);
    expect(await ids({ endpoint: 'tools/*' })).toHaveLength(3);
    expect(await ids({ source: 'scenario' })).toEqual([QUOTA]);
    expect(await ids({ staffer: 'w-2' })).toEqual([DISK]);
    expect(await ids({ q: 'QUOTA' })).toEqual([QUOTA]);
    expect(await ids({ status: 'resolved' })).toEqual([]);
    expect(await ids({ status: 'new,resolved' })).toHaveLength(3);
    expect((await ids({ since })).length).toBeGreaterThan(0);
    expect(await ids({ until: new Date(Date.now() - 5 * 3_600_000).toISOString() })).toEqual([]);
  });

  it('sorts by count and pages with the cursor it gives', async () => {
    await threeIssues();

    const first = bodyOf(await list({ sort: 'count', limit: '2' }));
    const second = bodyOf(
      await list({ sort: 'count', limit: '2', cursor: String(first.next_cursor) }),
    );

    // Ties (one failure each) go by id.
    const [low, high] = [NO_ERROR, QUOTA].sort();
    expect((first.issues as IssueSummary[]).map((r) => r.id)).toEqual([DISK, low]);
    expect((second.issues as IssueSummary[]).map((r) => r.id)).toEqual([high]);
    expect(second.next_cursor).toBeNull();
  });

  it.each([
    [{ sort: 'oldest' }, 'sort', 'must be one of last_seen, count, trend'],
    [
      { status: 'open' },
      'status',
      'must be one or more of new, ongoing, escalating, regressed, resolved, muted, merged, comma-separated',
    ],
    [{ limit: '0' }, 'limit', 'must be a whole number from 1 to 200'],
    [
      { since: 'yesterday' },
      'since',
      'must be an RFC 3339 timestamp, such as 2026-11-24T21:00:00Z',
    ],
    [{ cursor: 'nope' }, 'cursor', 'is not a cursor this route gave'],
    [{ page: '2' }, 'page', 'is not a parameter of this route'],
  ])('answers 400 naming a bad parameter: %j', async (query, field, message) => {
    const res = await list(query);

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).fields).toEqual([{ field, message }]);
  });

  it('answers 400 for a cursor of another sort, and for until before since', async () => {
    await threeIssues();
    const cursor = String(bodyOf(await list({ sort: 'count', limit: '1' })).next_cursor);

    const wrongSort = await list({ cursor });
    const backwards = await list({ since: '2026-11-24T21:00:00Z', until: '2026-11-24T20:00:00Z' });

    expect(bodyOf(wrongSort).fields).toEqual([
      { field: 'cursor', message: 'was given for another sort' },
    ]);
    expect(bodyOf(backwards).fields).toEqual([
      { field: 'until', message: 'must be later than since' },
    ]);
  });
});

describe('GET /observer/issues/{id}', () => {
  it('answers the issue, its hourly trend, breakdowns and samples', async () => {
    await threeIssues();

    const res = await issue(one(DISK, { hours: '3' }));

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body.issue).toMatchObject({ id: DISK, count: 3, status: 'new' });
    expect(body.hours).toBe(3);
    expect((body.hourly as { count: number }[]).map((h) => h.count).reduce((a, b) => a + b)).toBe(
      3,
    );
    expect(body.breakdowns).toMatchObject({
      endpoints: [{ name: 'tools/write', count: 3 }],
      staffers: [
        { name: 'w-1', count: 1 },
        { name: 'w-2', count: 1 },
      ],
      roles: [{ name: 'builder', count: 1 }],
    });
    const samples = body.samples as { op: ObservedOp }[];
    expect(samples.map((s) => s.op.error)).toEqual([
      'disk full on /dev/sdc3',
      'disk full on /dev/sdb2',
      'disk full on /dev/sda1',
    ]);
    expect(body.escalations).toEqual([]);
  });

  it('answers 404 for an id no issue has, and 400 for one that is no id', async () => {
    await threeIssues();

    const unknown = await issue(one('0123456789abcdef'));
    const bad = await issue(one('not-an-id'));

    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toEqual({ error: 'no issue 0123456789abcdef' });
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).fields).toEqual([
      { field: 'id', message: 'is not an issue id (16 hex digits)' },
    ]);
  });

  it('answers 405 with the methods of the path for another method', async () => {
    const res = await notFound(httpEvent({ method: 'DELETE', path: `/observer/issues/${DISK}` }));

    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('GET, POST');
  });
});

describe('POST /observer/issues/{id}', () => {
  it('resolves an issue, recording who and when; a new failure then makes it regressed', async () => {
    await threeIssues();

    const res = await setStatus(DISK, { status: 'resolved' });
    await store.append(
      [op('tools/write', { success: false, error: 'disk full on /dev/sdz9' })],
      new Date(),
    );
    const after = bodyOf(await issue(one(DISK))).issue as IssueSummary;

    expect(res.statusCode).toBe(200);
    expect((bodyOf(res).issue as IssueSummary).status).toBe('resolved');
    expect((bodyOf(res).issue as IssueSummary).resolution).toMatchObject({
      status: 'resolved',
      by: 'open',
    });
    expect(after.status).toBe('regressed');
    expect(after.regressed_at).toBe(after.last_seen);
  });

  it('mutes until a time, and unresolves', async () => {
    await threeIssues();
    const until = new Date(Date.now() + 3_600_000).toISOString();

    const muted = bodyOf(await setStatus(QUOTA, { status: 'muted', until })).issue as IssueSummary;
    const back = bodyOf(await setStatus(QUOTA, { status: 'unresolved' })).issue as IssueSummary;

    expect(muted).toMatchObject({ status: 'muted', resolution: { status: 'muted', until } });
    expect(back).toMatchObject({ status: 'new', resolution: { status: 'unresolved' } });
  });

  it.each([
    [{ status: 'fixed' }, 'status', 'must be one of resolved, muted, unresolved'],
    [{ status: 'resolved', until: '2030-01-01T00:00:00Z' }, 'until', 'is for muted only'],
    [{ status: 'muted', until: '2020-01-01T00:00:00Z' }, 'until', 'must be in the future'],
    [{ status: 'muted', by: 'me' }, 'by', 'is not a field of this body'],
  ])('answers 400 naming a bad field: %j', async (body, field, message) => {
    await threeIssues();

    const res = await setStatus(DISK, body);

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).fields).toEqual([{ field, message }]);
  });

  it('answers 404 for an unknown issue and 409 for one merged into another', async () => {
    await threeIssues();
    await merge(QUOTA, { into: DISK });

    const unknown = await setStatus('0123456789abcdef', { status: 'resolved' });
    const merged = await setStatus(QUOTA, { status: 'resolved' });

    expect(unknown.statusCode).toBe(404);
    expect(merged.statusCode).toBe(409);
    expect(bodyOf(merged)).toEqual({
      error: `issue ${QUOTA} is merged into ${DISK}; set that one`,
    });
  });
});

describe('POST /observer/issues/{id}/merge', () => {
  it('merges an issue into another: its history and its later failures count there', async () => {
    await threeIssues();

    const res = await merge(QUOTA, { into: DISK });
    await failedAgo(0, { endpoint: 'tools/search', error: 'quota exceeded for tenant acme' });
    const target = bodyOf(await issue(one(DISK))).issue as IssueSummary;
    const merged = bodyOf(await issue(one(QUOTA))).issue as IssueSummary;
    const listed = rows(await list()).map((r) => r.id);

    expect(res.statusCode).toBe(200);
    expect((bodyOf(res).issue as IssueSummary).count).toBe(4);
    expect(target.count).toBe(5);
    expect(merged).toMatchObject({ status: 'merged', merged_into: DISK, count: 1 });
    expect(listed).not.toContain(QUOTA);
    expect(rows(await list({ status: 'merged' })).map((r) => r.id)).toEqual([QUOTA]);
  });

  it('keeps the merge once the fold has taken it in, and after a reload', async () => {
    await threeIssues();
    await merge(QUOTA, { into: DISK });

    await snapshot();
    const stored = await store.getObject(ISSUES_STATE_KEY);
    const folded = bookOf(parseStateBytes(stored?.body ?? new Uint8Array()) as IssueState);
    await store.append(
      [op('tools/search', { success: false, error: 'quota exceeded for tenant acme' })],
      new Date(),
    );
    resetRuntime({ store });
    const target = bodyOf(await issue(one(DISK))).issue as IssueSummary;

    expect(folded.issues.get(QUOTA)?.mergedInto).toMatchObject({
      into: DISK,
      reason: 'merged',
      by: 'open',
    });
    expect(folded.issues.get(DISK)?.tally.count).toBe(4);
    expect(target.count).toBe(5);
  });

  it('answers 400 for an unknown target or the issue itself, 409 for an issue merged already', async () => {
    await threeIssues();
    await merge(QUOTA, { into: DISK });

    const unknown = await merge(NO_ERROR, { into: '0123456789abcdef' });
    const itself = await merge(DISK, { into: QUOTA });
    const again = await merge(QUOTA, { into: NO_ERROR });

    expect(bodyOf(unknown).fields).toEqual([
      { field: 'into', message: 'no issue 0123456789abcdef' },
    ]);
    expect(bodyOf(itself).fields).toEqual([
      { field: 'into', message: 'is this issue, or merged into it' },
    ]);
    expect(again.statusCode).toBe(409);
  });
});
