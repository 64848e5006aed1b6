import { beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as health } from '../../../handlers/health';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as stats } from '../../../handlers/stats';
import { resetRuntime } from '../../../lib/app/runtime';
import { bodyOf, getStats, httpEvent, postOp } from '../../support/events';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
});

describe('POST /observer/event', () => {
  it('answers 201 with the key once the op is stored, defaults applied', async () => {
    const res = await event(postOp({ endpoint: 'tools/call' }));

    expect(res.statusCode).toBe(201);
    const body = bodyOf(res);
    expect(body).toMatchObject({ ok: true, source: 'mcp' });
    const stored = store.objects.get(String(body.key));
    expect(stored).toBeDefined();
    expect(JSON.parse(String(stored))).toEqual({
      endpoint: 'tools/call',
      success: false,
      source: 'mcp',
      timestamp: body.timestamp,
    });
  });

  it('keeps unknown fields exactly as sent', async () => {
    const extra = { trace: { span: 'abc', depth: [1, 2] }, note: null, model: 'm-1' };

    const res = await event(postOp({ endpoint: 'x', ...extra }));

    const stored = JSON.parse(String(store.objects.get(String(bodyOf(res).key))));
    expect(stored).toMatchObject(extra);
  });

  it('decodes a base64-encoded body', async () => {
    const body = Buffer.from(JSON.stringify({ endpoint: 'b64', success: true })).toString('base64');

    const res = await event(
      httpEvent({ method: 'POST', path: '/observer/event', body, isBase64Encoded: true }),
    );

    expect(res.statusCode).toBe(201);
    expect(store.objects.size).toBe(1);
  });

  it.each([
    ['invalid JSON', '{"endpoint": ', /not valid JSON/],
    ['a JSON array', '[1,2]', /must be a JSON object/],
    ['success as a string', '{"endpoint":"x","success":"yes"}', /success: must be a boolean/],
    ['a bad timestamp', '{"endpoint":"x","timestamp":"yesterday"}', /timestamp/],
    ['an uppercase source', '{"endpoint":"x","source":"MCP"}', /source/],
    ['a negative duration', '{"endpoint":"x","duration_ms":-1}', /duration_ms/],
    ['no endpoint', '{"success":true}', /endpoint/],
    ['an empty body', '', /empty/],
  ])('answers 400 for %s and stores nothing', async (_name, body, message) => {
    const res = await event(
      httpEvent({
        method: 'POST',
        path: '/observer/event',
        body,
        headers: { 'content-type': 'application/json' },
      }),
    );

    expect(res.statusCode).toBe(400);
    expect(String(bodyOf(res).error)).toMatch(message);
    expect(store.calls.append).toBe(0);
  });

  it('answers 413 for an op over 64 KiB', async () => {
    const res = await event(postOp({ endpoint: 'x', blob: 'a'.repeat(70_000) }));

    expect(res.statusCode).toBe(413);
    expect(store.calls.append).toBe(0);
  });

  it('answers 413 for a body over 1 MiB', async () => {
    const res = await event(postOp({ endpoint: 'x', blob: 'a'.repeat(1_100_000) }));

    expect(res.statusCode).toBe(413);
    expect(bodyOf(res).error).toMatch(/limit is 1048576/);
  });

  it('answers 415 for a non-JSON content type', async () => {
    const res = await event(postOp({ endpoint: 'x' }, { 'content-type': 'text/plain' }));

    expect(res.statusCode).toBe(415);
    expect(store.calls.append).toBe(0);
  });
});

describe('GET /observer/stats', () => {
  it('aggregates what was recorded', async () => {
    await event(postOp({ endpoint: 'a', success: true }));
    await event(postOp({ endpoint: 'b', source: 'scenario', staffer_id: 's', role: 'r' }));

    const res = await stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(res)).toEqual({
      total: 2,
      successes: 1,
      failures: 1,
      by_source: { mcp: 1, scenario: 1 },
      recent_scenario_ops: [{ ts: expect.any(String), ok: false, staffer: 's', role: 'r' }],
      tokens: {
        total: { ops: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
        by_model: {},
        by_agent: {},
        unpriced_models: [],
      },
    });
  });
});

describe('GET /observer/health', () => {
  it('answers ok with the ring state and no storage call', async () => {
    const first = await health(httpEvent());
    const second = await health(httpEvent());

    expect(first.statusCode).toBe(200);
    expect(bodyOf(first)).toMatchObject({
      status: 'ok',
      cold_start: true,
      loaded: false,
      ring_size: 0,
      ring_cap: 2000,
    });
    expect(bodyOf(second).cold_start).toBe(false);
    expect(store.calls).toEqual(NO_CALLS);
  });
});

describe('unknown routes', () => {
  it('answers 404 with a JSON error for an unknown path', async () => {
    const res = await notFound(httpEvent({ method: 'GET', path: '/nope' }));

    expect(res.statusCode).toBe(404);
    expect(bodyOf(res).error).toBe('no route for GET /nope');
  });

  it('answers 405 naming the allowed method for a known path', async () => {
    const res = await notFound(httpEvent({ method: 'GET', path: '/observer/event' }));

    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('POST');
  });

  it('redirects GET /observer to the dashboard at /observer/, relative to the path', async () => {
    const res = await notFound(httpEvent({ method: 'GET', path: '/observer' }));

    expect(res.statusCode).toBe(308);
    expect(res.headers?.location).toBe('observer/');
  });
});
