import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeLocal } from '../../dev/offline-stack';
import { stackEnv } from '../support/e2e';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// The HTTP API as serverless-offline emulates it, over the test S3 server,
// on a prefix of its own. The tests follow one another as a client would.

const s3 = rawClient();
const prefix = uniquePrefix('e2e-http');
const env = stackEnv(prefix);

const post = (url: string, body: string, contentType = 'application/json') =>
  fetch(`${url}/observer/event`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });

describe('over HTTP through serverless-offline', () => {
  let api: Offline;

  beforeAll(async () => {
    api = await startOffline(env);
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('GET /observer/health answers 200 ok', async () => {
    const res = await fetch(`${api.url}/observer/health`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ status: 'ok', ring_cap: 2000 });
  });

  it('GET /observer/openapi.json answers the description of every route', async () => {
    const res = await fetch(`${api.url}/observer/openapi.json`);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/observer/events');
  });

  it('POST /observer/event answers 201 and the op is in S3', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: 'tools/call', success: true }));

    expect(res.status).toBe(201);
    const body = (await res.json()) as { ok: boolean; key: string };
    expect(body.ok).toBe(true);
    expect(await listKeys(s3, prefix)).toEqual([`${prefix}${body.key}`]);
  });

  it('GET /observer/stats aggregates what was posted', async () => {
    await post(
      api.url,
      JSON.stringify({ endpoint: 'fill', source: 'scenario', staffer_id: 'w-17', role: 'welder' }),
    );

    const res = await fetch(`${api.url}/observer/stats`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      total: 2,
      successes: 1,
      failures: 1,
      by_source: { mcp: 1, scenario: 1 },
      recent_scenario_ops: [{ ts: expect.any(String), ok: false, staffer: 'w-17', role: 'welder' }],
      tokens: {
        total: { ops: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
        by_model: {},
        by_agent: {},
        unpriced_models: [],
      },
    });
  });

  it('answers 400 naming the field for an invalid op', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: '' }));

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: expect.stringMatching(/^invalid op: endpoint/),
    });
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await post(api.url, 'endpoint=x');

    expect(res.status).toBe(400);
  });

  it('answers 413 for an op over 64 KiB', async () => {
    const res = await post(api.url, JSON.stringify({ endpoint: 'x', blob: 'a'.repeat(70_000) }));

    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: expect.stringMatching(/limit is 65536/) });
  });

  it('answers 415 for a form-encoded body', async () => {
    const res = await post(api.url, 'endpoint=x', 'application/x-www-form-urlencoded');

    expect(res.status).toBe(415);
  });

  it('answers 404 with a JSON error for an unknown route', async () => {
    const res = await fetch(`${api.url}/observer/nope`);

    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no route for GET /observer/nope' });
  });

  it('answers 405 for a known path with the wrong method', async () => {
    const res = await fetch(`${api.url}/observer/event`);

    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('stored exactly the two accepted ops', async () => {
    expect(await listKeys(s3, prefix)).toHaveLength(2);
  });

  it('POST /observer/events answers 207 for a mixed batch and writes one segment', async () => {
    const res = await fetch(`${api.url}/observer/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ endpoint: 'b1', id: 'e2e-1' }, { endpoint: '' }, { endpoint: 'b2' }]),
    });

    expect(res.status).toBe(207);
    const body = (await res.json()) as {
      accepted: { index: number }[];
      rejected: { index: number }[];
    };
    expect(body.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(await listKeys(s3, `${prefix}ops/`)).toHaveLength(3);
    const stats = await (await fetch(`${api.url}/observer/stats`)).json();
    expect(stats).toMatchObject({ total: 4 });
  });

  it('runs the scheduled snapshot through the offline invoke port', async () => {
    const res = await invokeLocal(api.lambdaUrl, 'snapshot');

    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ops: 4 });
    const keys = await listKeys(s3, `${prefix}stats/`);
    expect(keys).toContain(`${prefix}stats/latest.json`);
  });

  it('GET /observer/stats/history returns the snapshot just written', async () => {
    const res = await fetch(`${api.url}/observer/stats/history?hours=1`);

    expect(res.status).toBe(200);
    const body = (await res.json()) as { hours: number; snapshots: { total: number }[] };
    expect(body.hours).toBe(1);
    expect(body.snapshots.map((s) => s.total)).toEqual([4]);
  });

  it('GET /observer/stats/history answers 400 for a bad hours', async () => {
    const res = await fetch(`${api.url}/observer/stats/history?hours=500`);

    expect(res.status).toBe(400);
  });

  it('GET /observer/ops answers the failed b* ops, newest first', async () => {
    const res = await fetch(
      `${api.url}/observer/ops?success=false&endpoint=${encodeURIComponent('b*')}`,
    );

    expect(res.status).toBe(200);
    const body = (await res.json()) as { ops: { op: { endpoint: string } }[]; next_cursor: null };
    expect(body.ops.map((o) => o.op.endpoint)).toEqual(['b2', 'b1']);
    expect(body.next_cursor).toBeNull();
  });

  it('GET /observer/ops answers 400 naming a bad limit', async () => {
    const res = await fetch(`${api.url}/observer/ops?limit=0`);

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ fields: [{ field: 'limit' }] });
  });

  it('GET /observer/failures answers the three failures, one cluster per endpoint', async () => {
    const res = await fetch(`${api.url}/observer/failures`);

    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      failures_total: number;
      clusters: { endpoint: string; template: string; count: number }[];
    };
    expect(body.failures_total).toBe(3);
    expect(body.clusters.map((c) => [c.endpoint, c.template, c.count]).sort()).toEqual([
      ['b1', '(no error)', 1],
      ['b2', '(no error)', 1],
      ['fill', '(no error)', 1],
    ]);
  });
});
