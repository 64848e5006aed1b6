import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createObserverClient, type ErrorContext } from '../../../client/src/index';
import { type FaultyS3Proxy, startFaultyS3Proxy } from '../../../dev/faulty-s3-proxy';
import { mapLimit } from '../../../lib/platform/concurrency';
import { getText, listKeys, rawClient, uniquePrefix } from '../../support/s3';
import { type Offline, startOffline } from '../../support/serverless';

// The client against the real local stack (serverless-offline over the test
// S3) with 30% of the service's S3 writes failing at the store: a proxy in
// front of S3 answers a seeded 30% of PutObjects with 503 SlowDown or a
// dropped connection. 10,000 ops from 8 concurrent loops arrive exactly once.

const LOOPS = 8;
const PER_LOOP = 1250;
const TOTAL = LOOPS * PER_LOOP;
const FAILURE_RATE = 0.3;

const s3 = rawClient();
const prefix = uniquePrefix('client-e2e');

/** Op number `i` of the run: its success and source follow from i, so the stats can be recounted. */
const opOf = (loop: number, i: number) => ({
  endpoint: `tools/call/${i % 4}`,
  success: i % 3 !== 0,
  source: i % 5 === 0 ? 'scenario' : 'mcp',
  staffer_id: `loop-${loop}`,
  duration_ms: i % 100,
});

describe(`${TOTAL} ops from ${LOOPS} loops through the client, ${FAILURE_RATE * 100}% of S3 writes failing`, () => {
  let proxy: FaultyS3Proxy;
  let api: Offline;
  const observed: string[] = [];
  const errors: ErrorContext[] = [];
  let clientStats: ReturnType<ReturnType<typeof createObserverClient>['stats']>;

  beforeAll(async () => {
    proxy = await startFaultyS3Proxy({
      target: inject('s3Endpoint'),
      failureRate: FAILURE_RATE,
      seed: 20_261_124,
    });
    api = await startOffline({
      S3_ENDPOINT: proxy.endpoint,
      OBSERVER_BUCKET: inject('s3Bucket'),
      OBSERVER_PREFIX: prefix,
      OBSERVER_RING_CAP: String(2 * TOTAL),
      OBSERVER_API_TOKEN: '',
      OBSERVER_BUILD_DIR: '.esbuild/client-e2e',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const client = createObserverClient({
      url: api.url,
      flushAt: 100,
      flushInterval: 200,
      maxQueue: TOTAL,
      // Never give up within the test: every failure here is transient.
      maxRetries: 1000,
      backoff: { base: 50, max: 2000 },
      timeout: 30_000,
      flushOnExit: false,
      onError: (_, context) => errors.push(context),
    });
    await mapLimit(
      Array.from({ length: LOOPS }, (_, loop) => loop),
      LOOPS,
      async (loop) => {
        for (let i = 0; i < PER_LOOP; i++) {
          const id = client.observe(opOf(loop, loop * PER_LOOP + i));
          if (id !== undefined) observed.push(id);
          // A loop works between ops (here: waits), so batches stay near flushAt.
          await new Promise((work) => setTimeout(work, 10));
        }
      },
    );
    await client.shutdown();
    clientStats = client.stats();
  }, 600_000);

  afterAll(async () => {
    await api?.stop();
    await proxy?.close();
    s3.destroy();
  });

  it('failed 30% of the PutObjects the service made', () => {
    const share = proxy.counts.failed / proxy.counts.putObject;
    console.info(JSON.stringify({ proxy: proxy.counts, client: clientStats }));

    // At least 20 writes (500 ops a batch at most); the seeded draws fail
    // 25–38% of any first 20 or more.
    expect(proxy.counts.putObject).toBeGreaterThanOrEqual(TOTAL / 500);
    expect(share).toBeGreaterThanOrEqual(0.25);
    expect(share).toBeLessThanOrEqual(0.38);
  });

  it('gave each op its own id and had the service acknowledge every one', () => {
    expect(new Set(observed).size).toBe(TOTAL);
    expect(clientStats).toMatchObject({
      observed: TOTAL,
      sent: TOTAL,
      queued: 0,
      inFlight: 0,
      invalid: 0,
      rejected: 0,
      failed: 0,
      dropped: 0,
    });
    expect(errors.filter((e) => e.kind !== 'retry')).toEqual([]);
  });

  it('left every op in S3 at least once, and nothing else', async () => {
    const keys = await listKeys(s3, `${prefix}ops/`);
    const texts = await mapLimit(keys, 16, (key) => getText(s3, key));
    const stored = texts.flatMap((t) =>
      t
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => (JSON.parse(line) as { id: string }).id),
    );

    expect(new Set(stored)).toEqual(new Set(observed));
    expect(stored.length).toBeGreaterThanOrEqual(TOTAL);
  });

  it('counts each op exactly once in the stats', async () => {
    const stats = await statsOf(api.url);

    const sources = { scenario: 0, mcp: 0 };
    let successes = 0;
    for (let n = 0; n < TOTAL; n++) {
      const op = opOf(Math.floor(n / PER_LOOP), n);
      if (op.success) successes++;
      sources[op.source as keyof typeof sources]++;
    }
    expect(stats).toMatchObject({
      total: TOTAL,
      successes,
      failures: TOTAL - successes,
      by_source: sources,
    });
  });
});

/** GET /observer/stats, asked again while a cold container is not ready (a 503, or a timeout). */
async function statsOf(url: string): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${url}/observer/stats`);
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === 200 && typeof body.total === 'number') return body;
    if (attempt >= 10) throw new Error(`stats answered ${res.status}: ${JSON.stringify(body)}`);
    await new Promise((wait) => setTimeout(wait, 1000));
  }
}
