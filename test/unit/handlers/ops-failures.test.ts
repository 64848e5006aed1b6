import { beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as failures } from '../../../handlers/failures';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as ops } from '../../../handlers/ops';
import { resetRuntime } from '../../../lib/app/runtime';
import { failureClusterId } from '../../../lib/failures/clustering/clusters';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { storeView } from '../../../lib/storage/store';
import { bodyOf, httpEvent, postOp } from '../../support/events';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
});

const getOps = (query: Record<string, string> = {}) =>
  ops(httpEvent({ path: '/observer/ops', query }));
const getFailures = (query: Record<string, string> = {}) =>
  failures(httpEvent({ path: '/observer/failures', query }));

interface Page {
  ops: { key: string; line: number; received_at: string; op: Record<string, unknown> }[];
  next_cursor: string | null;
}

async function record(...bodies: Record<string, unknown>[]): Promise<string[]> {
  const keys: string[] = [];
  for (const body of bodies) keys.push(String(bodyOf(await event(postOp(body))).key));
  return keys;
}

describe('GET /observer/ops', () => {
  it('answers the ops recorded, newest first, each as stored with its key and line', async () => {
    const keys = await record(
      { endpoint: 'tools/call', success: true },
      { endpoint: 'tools/list', error: 'boom', staffer_id: 'w-1' },
    );

    const res = await getOps();

    expect(res.statusCode).toBe(200);
    const page = bodyOf(res) as unknown as Page;
    expect(page.ops.map((o) => [o.key, o.line])).toEqual([
      [keys[1], 0],
      [keys[0], 0],
    ]);
    expect(page.ops[0]?.op).toEqual(JSON.parse(String(store.objects.get(String(keys[1])))));
    expect(page.next_cursor).toBeNull();
  });

  it('filters and pages with the cursor it gives', async () => {
    await record(
      ...Array.from({ length: 7 }, (_, i) => ({ endpoint: `tools/t${i}`, success: i % 2 === 0 })),
    );

    const first = bodyOf(await getOps({ success: 'true', endpoint: 'tools/*', limit: '3' }));
    const second = bodyOf(
      await getOps({
        success: 'true',
        endpoint: 'tools/*',
        limit: '3',
        cursor: String(first.next_cursor),
      }),
    );

    const endpoints = (p: Record<string, unknown>) =>
      (p as unknown as Page).ops.map((o) => o.op.endpoint);
    expect(endpoints(first)).toEqual(['tools/t6', 'tools/t4', 'tools/t2']);
    expect(endpoints(second)).toEqual(['tools/t0']);
    expect(second.next_cursor).toBeNull();
  });

  it('answers 400 naming each bad parameter, before reading the store', async () => {
    const res = await getOps({ success: 'maybe', limit: '1000', colour: 'red' });

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).fields).toEqual([
      { field: 'success', message: 'must be true or false' },
      { field: 'limit', message: 'must be a whole number from 1 to 500' },
      { field: 'colour', message: 'is not a parameter of this route' },
    ]);
    expect(store.calls).toEqual(NO_CALLS);
  });

  it('answers from the cached ring, marked stale, when the store cannot be listed', async () => {
    let down = false;
    const flaky = storeView(store, {
      list: (prefix, startAfter) => {
        if (down) throw new StoreUnavailableError('list failed');
        return store.list(prefix, startAfter);
      },
    });
    resetRuntime({ store: flaky });
    await record({ endpoint: 'a' });
    await getOps();
    down = true;

    const res = await getOps();

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-observer-stale']).toBe('true');
    expect((bodyOf(res) as unknown as Page).ops).toHaveLength(1);
  });
});

describe('GET /observer/failures', () => {
  it('answers the failure clusters of the ring, most ops first', async () => {
    await record(
      { endpoint: 'tools/call', error: 'Timeout calling tool search after 1200ms' },
      { endpoint: 'tools/call', error: 'Timeout calling tool search after 30000ms' },
      { endpoint: 'tools/call', success: true },
      { endpoint: 'tools/read', error: 'file not found: /work/a.ts', staffer_id: 'w-2' },
    );

    const res = await getFailures();

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body).toMatchObject({ failures_total: 3, clusters_total: 2 });
    expect(body.clusters).toEqual([
      expect.objectContaining({
        id: failureClusterId('tools/call', 'Timeout calling tool search after <*>'),
        endpoint: 'tools/call',
        template: 'Timeout calling tool search after <*>',
        count: 2,
        share: 0.6667,
        trend: { last_hour: 2, hour_before: 0 },
      }),
      expect.objectContaining({ endpoint: 'tools/read', count: 1, staffers: ['w-2'] }),
    ]);
  });

  it('answers at most `limit` clusters, and counts them all', async () => {
    await record(...['a', 'b', 'c'].map((endpoint) => ({ endpoint, error: 'broken' })));

    const body = bodyOf(await getFailures({ limit: '2' }));

    expect(body).toMatchObject({ failures_total: 3, clusters_total: 3 });
    expect(body.clusters).toHaveLength(2);
  });

  it('answers no clusters for a ring without failures', async () => {
    await record({ endpoint: 'a', success: true });

    expect(bodyOf(await getFailures())).toMatchObject({
      failures_total: 0,
      clusters_total: 0,
      clusters: [],
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ since: '2026-11-24T21:00:00Z' }, 'since'],
  ])('answers 400 for %j, naming %s', async (query, field) => {
    const res = await getFailures(query);

    expect(res.statusCode).toBe(400);
    expect((bodyOf(res).fields as { field: string }[]).map((f) => f.field)).toEqual([field]);
    expect(store.calls).toEqual(NO_CALLS);
  });
});

describe('the catch-all', () => {
  it.each(['/observer/ops', '/observer/failures'])('answers 405 for POST %s', async (path) => {
    const res = await notFound(httpEvent({ method: 'POST', path }));

    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('GET');
  });
});
