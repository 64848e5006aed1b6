import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_MODEL_PRICES } from '../../lib/platform/prices';
import { Observer } from '../../lib/ring/observer';
import { priceTokens } from '../../lib/runs/usage';
import { writeSnapshot } from '../../lib/stats/writer';
import { CHECKPOINT_KEY, COPIES_ROOT, HOUR_MS } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { type SegmentStore, storeView } from '../../lib/storage/store';
import { freshContainer } from '../support/container';
import { bodyOf, getStats, httpEvent } from '../support/events';
import { captureLogs } from '../support/logs';
import { nthOp, nthOps, statsOf } from '../support/ops';
import { getText, listKeys, putText, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

const CAP = 50;

/** A bucket prefix with `n` single-op segments written by another container. */
async function seed(prefix: string, from: number, n: number): Promise<void> {
  const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
  for (let i = from; i < from + n; i++) await store.append([nthOp(i)], new Date());
}

function observer(store: SegmentStore, now?: () => number): Observer {
  return new Observer(store, {
    cap: CAP,
    skewMs: 30_000,
    coldStartHours: 168,
    ...(now ? { now } : {}),
  });
}

const container = (prefix: string) =>
  freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_RING_CAP: String(CAP) });

describe('the snapshot function', () => {
  it('writes the minute, the latest snapshot, the hour history and the checkpoint with its copies', async () => {
    const prefix = uniquePrefix('snap');
    await seed(prefix, 0, 5);
    const c = await container(prefix);

    const result = await c.snapshot();

    expect(result.ops).toBe(5);
    const keys = await listKeys(s3, prefix);
    const rest = keys.filter((k) => !k.includes('/ops/')).map((k) => k.slice(prefix.length));
    expect(rest).toHaveLength(6);
    expect(rest).toContain(CHECKPOINT_KEY);
    expect(rest.filter((k) => k.startsWith(COPIES_ROOT))).toHaveLength(1);
    expect(rest).toContain('playbooks/latest.json');
    expect(rest).toContain('stats/latest.json');
    expect(rest.some((k) => /^stats\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d{2}\.json$/.test(k))).toBe(true);
    expect(rest.some((k) => /^stats\/hourly\/\d{4}\/\d{2}\/\d{2}\/\d{2}\.json$/.test(k))).toBe(
      true,
    );
    const latest = JSON.parse(await getText(s3, `${prefix}stats/latest.json`));
    expect(latest).toMatchObject({
      total: 5,
      successes: 3,
      failures: 2,
      generated_at: result.generated_at,
      window: { ops: 5, from: expect.any(String), to: expect.any(String) },
    });
    // The answer prices the tokens the snapshot counts.
    expect(bodyOf(await c.stats(getStats()))).toEqual({
      ...Object.fromEntries(
        Object.entries(latest).filter(
          ([k]) => !['generated_at', 'window', 'clusters', 'rate'].includes(k),
        ),
      ),
      tokens: priceTokens(latest.tokens, DEFAULT_MODEL_PRICES),
    });
  });
});

describe('a cold start from the checkpoint', () => {
  it('gives exactly the stats of a cold start by listing, in 4 requests plus one GET per tail segment', async () => {
    const prefix = uniquePrefix('ckpt');
    await seed(prefix, 0, 80);
    await (await container(prefix)).snapshot();
    await seed(prefix, 80, 12);

    const fromCheckpoint = await container(prefix);
    const checkpointStats = bodyOf(await fromCheckpoint.stats(getStats()));
    const requests = { ...fromCheckpoint.requests };
    await s3.send(
      new DeleteObjectCommand({ Bucket: inject('s3Bucket'), Key: `${prefix}${CHECKPOINT_KEY}` }),
    );
    const byListing = await container(prefix);
    const listingStats = bodyOf(await byListing.stats(getStats()));

    expect(checkpointStats.total).toBe(CAP);
    expect(checkpointStats).toEqual(listingStats);
    // The checkpoint and its copies, then the 12 tail segments.
    expect(requests.GetObjectCommand).toBe(2 + 12);
    expect(requests.ListObjectsV2Command).toBe(1);
    expect(Object.keys(requests).sort()).toEqual(['GetObjectCommand', 'ListObjectsV2Command']);
  });

  it('falls back to listing, with a warning, when the checkpoint is corrupt', async () => {
    const prefix = uniquePrefix('ckpt-bad');
    await seed(prefix, 0, 7);
    await putText(s3, `${prefix}${CHECKPOINT_KEY}`, '{"version":1,"entries":[{"key":');
    const logs = captureLogs('warn');

    const c = await container(prefix);
    const stats = bodyOf(await c.stats(getStats()));

    expect(stats.total).toBe(7);
    expect(logs.texts('warn').some((w) => w.includes('checkpoint refused'))).toBe(true);
  });

  it('refuses a checkpoint that claims more ops than it holds', async () => {
    const prefix = uniquePrefix('ckpt-claims');
    await seed(prefix, 0, 3);
    await (await container(prefix)).snapshot();
    const doc = JSON.parse(await getText(s3, `${prefix}${CHECKPOINT_KEY}`));
    await putText(s3, `${prefix}${CHECKPOINT_KEY}`, JSON.stringify({ ...doc, op_count: 4 }));

    const cold = await container(prefix);

    expect(bodyOf(await cold.stats(getStats())).total).toBe(3);
  });
});

describe('a crash in the snapshot writer', () => {
  /** The real store, failing the n-th document write (and every write after it). */
  function crashingAt(n: number, prefix: string): SegmentStore {
    const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
    let writes = 0;
    const crash = (key: string) => {
      if (++writes >= n) throw new Error(`crash before write ${n} (${key})`);
    };
    return storeView(store, {
      putDocument: async (key, body) => {
        crash(key);
        await store.putDocument(key, body);
      },
      putObject: async (key, body, ifMatch) => {
        crash(key);
        return store.putObject(key, body, ifMatch);
      },
    });
  }

  it.each([1, 2, 3, 4])('before write %i leaves a state a cold start reads right', async (n) => {
    const prefix = uniquePrefix(`crash${n}`);
    await seed(prefix, 0, 60);
    // An earlier, good checkpoint that the crashing run must not spoil.
    await writeSnapshot(observer(new S3SegmentStore(s3, inject('s3Bucket'), prefix)));
    await seed(prefix, 60, 15);

    await expect(writeSnapshot(observer(crashingAt(n, prefix)))).rejects.toThrow(/crash/);
    const cold = observer(new S3SegmentStore(s3, inject('s3Bucket'), prefix));
    const { stats } = await cold.stats();

    expect(stats).toEqual(statsOf(nthOps(75).slice(-CAP)));
  });
});

describe('GET /observer/stats/history', () => {
  it('returns the snapshots written, oldest first, across an hour boundary', async () => {
    const prefix = uniquePrefix('hist');
    await seed(prefix, 0, 3);
    const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
    const start = Date.now() - 3 * HOUR_MS;
    let now = start;
    const o = observer(store, () => now);
    const written: string[] = [];
    for (const step of [0, 60_000, HOUR_MS, 60_000]) {
      now += step;
      written.push((await writeSnapshot(o)).generated_at);
    }
    const c = await container(prefix);

    const res = await c.history(
      httpEvent({ path: '/observer/stats/history', query: { hours: '24' } }),
    );

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res) as {
      hours: number;
      snapshots: { generated_at: string; total: number }[];
    };
    expect(body.hours).toBe(24);
    expect(body.snapshots.map((s) => s.generated_at)).toEqual(written);
    expect(body.snapshots.every((s) => s.total === 3)).toBe(true);
  });

  it.each(['0', '169', 'abc', '1.5'])('answers 400 for hours=%s', async (hours) => {
    const c = await container(uniquePrefix('hist-bad'));

    const res = await c.history(httpEvent({ path: '/observer/stats/history', query: { hours } }));

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toMatch(/hours/);
  });
});
