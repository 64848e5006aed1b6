import { afterAll, describe, expect, it } from 'vitest';
import { clearCounts, freshContainer, warmPair } from '../support/container';
import { bodyOf, getStats, postBatch } from '../support/events';
import { nthOp, nthOps } from '../support/ops';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

describe('batch ingest over S3', () => {
  it('costs one PutObject for 500 ops, all counted after a cold start', async () => {
    const prefix = uniquePrefix('batch500');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix });
    const ops = nthOps(500);

    const res = await c.events(postBatch(ops));

    expect(res.statusCode).toBe(201);
    expect(c.requests).toEqual({ PutObjectCommand: 1 });
    expect(await listKeys(s3, `${prefix}ops/`)).toHaveLength(1);
    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    expect(bodyOf(await cold.stats(getStats()))).toMatchObject({
      total: 500,
      successes: ops.filter((o) => o.success).length,
      failures: ops.filter((o) => !o.success).length,
    });
  });
});

describe('ops with an id over S3', () => {
  const withIds = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => nthOp(from + i, { id: `op-${from + i}` }));

  it('are counted once when the same batch goes to two containers', async () => {
    const prefix = uniquePrefix('idem-two');
    const [a, b] = await warmPair({ OBSERVER_PREFIX: prefix });
    const batch = withIds(0, 20);

    expect((await a.events(postBatch(batch))).statusCode).toBe(201);
    expect((await b.events(postBatch(batch))).statusCode).toBe(201);

    const fromA = bodyOf(await a.stats(getStats()));
    const fromB = bodyOf(await b.stats(getStats()));
    const cold = bodyOf(
      await (await freshContainer({ OBSERVER_PREFIX: prefix })).stats(getStats()),
    );
    expect(fromA.total).toBe(20);
    expect(fromB).toEqual(fromA);
    expect(cold).toEqual(fromA);
  });

  it('are counted once when retried after a cold start', async () => {
    const prefix = uniquePrefix('idem-cold');
    const first = await freshContainer({ OBSERVER_PREFIX: prefix });
    await first.events(postBatch(withIds(0, 5)));

    const second = await freshContainer({ OBSERVER_PREFIX: prefix });
    await second.events(postBatch(withIds(3, 4))); // op-3 and op-4 again, op-5 and op-6 new

    expect(bodyOf(await second.stats(getStats())).total).toBe(7);
    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    expect(bodyOf(await cold.stats(getStats())).total).toBe(7);
  });

  it('are counted once across a checkpoint, even after the first copy left the ring', async () => {
    const prefix = uniquePrefix('idem-ckpt');
    const env = { OBSERVER_PREFIX: prefix, OBSERVER_RING_CAP: '10' };
    const writer = await freshContainer(env);
    await writer.events(postBatch([nthOp(0, { id: 'early' })]));
    await writer.events(postBatch(nthOps(12, 1)));
    await writer.snapshot();

    const retrier = await freshContainer(env);
    await retrier.events(postBatch([nthOp(0, { id: 'early' })]));
    const cold = await freshContainer(env);
    clearCounts(cold.requests);
    const stats = bodyOf(await cold.stats(getStats()));

    expect(stats.total).toBe(10);
    const ring = [...(await cold.runtime.getObserver().load()).ring].map((e) => e.op.id);
    expect(ring).not.toContain('early');
  });
});
