import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureCluster } from '../../lib/failures/clustering/report';
import { type Container, freshContainer } from '../support/container';
import { bodyOf, httpEvent, postBatch, postOp } from '../support/events';
import { failingRun, type RunOp } from '../support/failing-run';
import { getText, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

interface FailuresBody {
  failures_total: number;
  clusters_total: number;
  clusters: FailureCluster[];
}

interface PageBody {
  ops: { key: string; line: number; received_at: string; op: RunOp & { success: boolean } }[];
  next_cursor: string | null;
}

const get = (c: Container, path: '/observer/ops' | '/observer/failures', query = {}) =>
  (path === '/observer/ops' ? c.ops : c.failures)(httpEvent({ path, query }));

// A small agent run posted over real S3: batches and single ops, then the
// failures and ops routes read back what is stored.
describe('failures and ops over S3', () => {
  const prefix = uniquePrefix('failures');
  const run = failingRun();
  const failed = run.filter((o) => o.success !== true);
  let writer: Container;

  beforeAll(async () => {
    writer = await freshContainer({ OBSERVER_PREFIX: prefix });
    for (let i = 0; i < 36; i += 12) {
      expect((await writer.events(postBatch(run.slice(i, i + 12)))).statusCode).toBe(201);
    }
    for (const op of run.slice(36)) expect((await writer.event(postOp(op))).statusCode).toBe(201);
  });

  it('groups every failure of the run by endpoint and error template', async () => {
    const res = await get(writer, '/observer/failures');

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res) as unknown as FailuresBody;
    expect(body.failures_total).toBe(failed.length);
    expect(body.clusters.reduce((n, c) => n + c.count, 0)).toBe(failed.length);
    const counts = body.clusters.map((c) => c.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const templateOf = (endpoint: string, start: string) =>
      body.clusters.filter((c) => c.endpoint === endpoint && c.template.startsWith(start));
    const expectFamily = (endpoint: string, errorStart: string, template: string) => {
      const n = failed.filter(
        (o) => o.endpoint === endpoint && String(o.error ?? '').startsWith(errorStart),
      ).length;
      expect(n).toBeGreaterThan(1);
      expect(templateOf(endpoint, template).map((c) => [c.template, c.count])).toEqual([
        [template, n],
      ]);
    };
    expectFamily('tools/call', 'Timeout', 'Timeout calling tool <*> after <*>');
    expectFamily('resources/read', 'ENOENT', "ENOENT: no such file or directory, open '<*>'");
    expectFamily(
      'scenario/step',
      'assertion',
      'assertion failed: expected <*> rows, got <*> (request <*>)',
    );
    const noError = failed.filter((o) => o.error === undefined).length;
    expect(templateOf('scenario/step', '(no error)').map((c) => c.count)).toEqual([noError]);
  });

  it('names samples that are stored failures of their cluster, newest first', async () => {
    const body = bodyOf(await get(writer, '/observer/failures')) as unknown as FailuresBody;

    for (const cluster of body.clusters) {
      expect(cluster.samples.length).toBe(Math.min(3, cluster.count));
      const keys = cluster.samples.map((s) => `${s.key}#${String(s.line).padStart(4, '0')}`);
      expect(keys).toEqual([...keys].sort().reverse());
      for (const { key, line } of cluster.samples) {
        const stored = (await getText(s3, `${prefix}${key}`)).trimEnd().split('\n');
        const op = JSON.parse(stored[line] as string);
        expect(op).toMatchObject({ success: false, endpoint: cluster.endpoint });
      }
    }
  });

  it('gives the same clusters and ids in a container started afterwards', async () => {
    const other = await freshContainer({ OBSERVER_PREFIX: prefix });

    const [mine, theirs] = await Promise.all(
      [writer, other].map(async (c) => {
        const body = bodyOf(await get(c, '/observer/failures')) as unknown as FailuresBody;
        return body.clusters.map(({ trend: _, ...rest }) => rest);
      }),
    );

    expect(theirs).toEqual(mine);
  });

  it('pages through the failed tool calls, newest first, as stored', async () => {
    const query = { success: 'false', endpoint: 'tools/*', limit: '2' };
    const seen: PageBody['ops'] = [];
    let cursor: string | null = null;
    do {
      const res = await get(writer, '/observer/ops', cursor ? { ...query, cursor } : query);
      expect(res.statusCode).toBe(200);
      const page = bodyOf(res) as unknown as PageBody;
      seen.push(...page.ops);
      cursor = page.next_cursor;
    } while (cursor !== null);

    const expected = failed.filter((o) => o.endpoint.startsWith('tools/')).reverse();
    expect(seen.map((o) => o.op.error)).toEqual(expected.map((o) => o.error));
    const [newest] = seen;
    const stored = (await getText(s3, `${prefix}${newest?.key}`)).trimEnd().split('\n');
    expect(JSON.parse(stored[newest?.line ?? -1] as string)).toEqual(newest?.op);
  });

  it('filters ops by source, staffer and event kind', async () => {
    const res = await get(writer, '/observer/ops', {
      source: 'scenario',
      event_kind: 'assert',
      staffer_id: 'w-4',
      limit: '500',
    });

    const page = bodyOf(res) as unknown as PageBody;
    const expected = run.filter(
      (o) => o.source === 'scenario' && o.event_kind === 'assert' && o.staffer_id === 'w-4',
    );
    expect(page.ops.map((o) => o.op.error)).toEqual(expected.reverse().map((o) => o.error));
  });

  it('records the clusters in the scheduled snapshot, read back by the history route', async () => {
    await writer.snapshot();

    const res = await writer.history(
      httpEvent({ path: '/observer/stats/history', query: { hours: '1' } }),
    );

    const { snapshots } = bodyOf(res) as { snapshots: { clusters?: unknown[] }[] };
    const failures = bodyOf(await get(writer, '/observer/failures')) as unknown as FailuresBody;
    expect(snapshots.at(-1)?.clusters).toEqual(
      failures.clusters.map(({ id, endpoint, template, count, trend }) => ({
        id,
        endpoint,
        template,
        count,
        trend,
      })),
    );
  });
});

describe('with OBSERVER_API_TOKEN set', () => {
  it.each(['/observer/ops', '/observer/failures'] as const)(
    'refuses %s without the token, before any S3 request',
    async (path) => {
      const c = await freshContainer({
        OBSERVER_PREFIX: uniquePrefix('failures-auth'),
        OBSERVER_API_TOKEN: 'a-long-enough-test-token-1234',
      });

      const res = await get(c, path);

      expect(res.statusCode).toBe(401);
      expect(c.requests).toEqual({});
    },
  );
});
