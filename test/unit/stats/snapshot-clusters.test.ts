import { describe, expect, it } from 'vitest';
import type { FailureCluster } from '../../../lib/failures/clustering/report';
import { Observer } from '../../../lib/ring/observer';
import { clusterDigests, SNAPSHOT_CLUSTERS } from '../../../lib/stats/cluster-digest';
import { readHistory } from '../../../lib/stats/history';
import { decodeHour } from '../../../lib/stats/snapshot';
import { writeSnapshot } from '../../../lib/stats/writer';
import { LATEST_STATS_KEY } from '../../../lib/storage/keys';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

const START = Date.UTC(2026, 11, 1, 12, 0, 30);
const MINUTE = 60_000;

const rateLimited = (n: number) =>
  op('tools/call', { success: false, error: `rate limited: retry in ${n}s` });

function cluster(i: number, template = `error number ${i}`): FailureCluster {
  return {
    id: `id-${i}`,
    endpoint: 'e',
    template,
    count: 100 - i,
    share: 0.01,
    endpoints: ['e'],
    sources: ['mcp'],
    staffers: ['w-1'],
    first_seen: new Date(START).toISOString(),
    last_seen: new Date(START).toISOString(),
    trend: { last_hour: 1, hour_before: 0 },
    samples: [{ key: 'k', line: 0 }],
  };
}

describe('the clusters a snapshot records', () => {
  it('are the first 20, each with its id, endpoint, template, count and trend only', () => {
    const digests = clusterDigests(Array.from({ length: 30 }, (_, i) => cluster(i)));

    expect(digests).toHaveLength(SNAPSHOT_CLUSTERS);
    expect(digests[0]).toEqual({
      id: 'id-0',
      endpoint: 'e',
      template: 'error number 0',
      count: 100,
      trend: { last_hour: 1, hour_before: 0 },
    });
  });

  it('shorten a long template to 200 characters', () => {
    const [digest] = clusterDigests([cluster(1, 'x'.repeat(5000))]);

    expect(digest?.template).toHaveLength(200);
    expect(digest?.template.endsWith('…')).toBe(true);
  });
});

describe('writeSnapshot', () => {
  it('records the clusters beside the stats, so history shows a cluster rising', async () => {
    const store = new MemorySegmentStore();
    let now = START;
    const observer = new Observer(store, {
      cap: 100,
      skewMs: 5_000,
      coldStartHours: 2,
      now: () => now,
    });
    await observer.record([rateLimited(1), op('tools/call', { success: true })], new Date(now));
    const first = await writeSnapshot(observer);
    now += MINUTE;
    await observer.record([2, 3, 4].map(rateLimited), new Date(now));
    const second = await writeSnapshot(observer);

    const history = await readHistory(store, 1, now + 1);

    expect(history.map((s) => s.clusters?.map((c) => [c.template, c.count]))).toEqual([
      [['rate limited: retry in <*>', 1]],
      [['rate limited: retry in <*>', 4]],
    ]);
    expect(second.clusters?.[0]?.id).toBe(first.clusters?.[0]?.id);
    expect(second.clusters?.[0]?.trend).toEqual({ last_hour: 4, hour_before: 0 });
    expect(second).toMatchObject({ total: 5, successes: 1, failures: 4 });
    const latest = JSON.parse(String(await store.getDocument(LATEST_STATS_KEY)));
    expect(latest.clusters).toEqual(second.clusters);
  });

  it('reads back an hour written before snapshots had clusters', () => {
    const old = {
      total: 1,
      successes: 1,
      failures: 0,
      by_source: { mcp: 1 },
      recent_scenario_ops: [],
      generated_at: new Date(START).toISOString(),
      window: { from: null, to: null, ops: 1 },
    };

    expect(decodeHour(JSON.stringify({ snapshots: [old] }))).toEqual([old]);
  });
});
