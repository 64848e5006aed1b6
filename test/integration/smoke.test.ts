import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, freshContainer } from '../support/container';
import { bodyOf, getStats, postOp } from '../support/events';
import { getText, listKeys, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();

// The Go original's smoke test, over a real S3 server: record, aggregate, reject, restart.
describe('the observerd smoke test over S3', () => {
  const prefix = uniquePrefix('smoke');
  let first: Container;

  beforeAll(async () => {
    first = await freshContainer({ OBSERVER_PREFIX: prefix });
    const ops = [
      { endpoint: 'tools/call', success: true, source: 'mcp' },
      { endpoint: 'tools/call', success: true, source: 'mcp' },
      { endpoint: 'tools/list', success: false, source: 'mcp', error: 'timeout' },
      {
        endpoint: 'fill',
        success: true,
        source: 'scenario',
        staffer_id: 'w-17',
        event_kind: 'fill',
        role: 'welder',
      },
      {
        endpoint: 'fill',
        success: false,
        source: 'scenario',
        staffer_id: 'w-18',
        event_kind: 'fill',
        role: 'fitter',
      },
    ];
    for (const op of ops) {
      const res = await first.event(postOp(op));
      expect(res.statusCode).toBe(201);
    }
  });

  afterAll(() => s3.destroy());

  it('aggregates the five recorded ops exactly', async () => {
    const res = await first.stats(getStats());
    expect(res.statusCode).toBe(200);
    const stats = bodyOf(res);
    expect(stats).toMatchObject({
      total: 5,
      successes: 3,
      failures: 2,
      by_source: { mcp: 3, scenario: 2 },
    });
    expect(stats.recent_scenario_ops).toEqual([
      expect.objectContaining({ ok: true, staffer: 'w-17', kind: 'fill', role: 'welder' }),
      expect.objectContaining({ ok: false, staffer: 'w-18', kind: 'fill', role: 'fitter' }),
    ]);
  });

  it('rejects an empty endpoint with 400 and records nothing', async () => {
    // A container and prefix of its own: what it might store cannot reach the other tests.
    const own = uniquePrefix('smoke-reject');
    const c = await freshContainer({ OBSERVER_PREFIX: own });
    const res = await c.event(postOp({ endpoint: '   ', success: true }));
    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toMatch(/endpoint/);
    expect(await listKeys(s3, own)).toEqual([]);
  });

  it('stores each op as one JSONL segment under its hour partition', async () => {
    const keys = await listKeys(s3, prefix);
    expect(keys).toHaveLength(5);
    for (const key of keys) {
      expect(key).toMatch(
        new RegExp(`^${prefix}ops/\\d{4}/\\d{2}/\\d{2}/\\d{2}/\\d{8}T\\d{9}Z-[0-9a-z]+\\.jsonl$`),
      );
    }
    const lines = (await getText(s3, keys[0] as string)).split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ endpoint: 'tools/call', success: true });
  });

  it('rebuilds the same stats in a fresh container (cold start)', async () => {
    const warm = bodyOf(await first.stats(getStats()));
    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    const res = await cold.stats(getStats());
    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toEqual(warm);
  });
});
