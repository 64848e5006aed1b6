import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as events } from '../../../handlers/events';
import { handler as stats } from '../../../handlers/stats';
import { resetRuntime } from '../../../lib/app/runtime';
import { bodyOf, getStats, postBatch, postOp } from '../../support/events';
import { MemorySegmentStore } from '../../support/memory-store';
import { nthOp, nthOps } from '../../support/ops';

/** A warm container over an empty in-memory store: its ring is loaded. */
async function warmOnMemory(): Promise<MemorySegmentStore> {
  const store = new MemorySegmentStore();
  resetRuntime({ store });
  await stats(getStats());
  return store;
}

describe('POST /observer/events', () => {
  let store: MemorySegmentStore;

  beforeEach(async () => {
    store = await warmOnMemory();
  });

  it('writes a batch of 500 as one segment and counts all 500', async () => {
    const ops = nthOps(500);

    const res = await events(postBatch(ops));

    expect(res.statusCode).toBe(201);
    expect(store.calls.append).toBe(1);
    const body = bodyOf(res) as { key: string; accepted: unknown[]; rejected: unknown[] };
    expect(body.accepted).toHaveLength(500);
    expect(body.rejected).toEqual([]);
    expect(String(store.objects.get(body.key)).trimEnd().split('\n')).toHaveLength(500);
    expect(bodyOf(await stats(getStats()))).toMatchObject({
      total: 500,
      successes: ops.filter((o) => o.success).length,
    });
  });

  it('accepts the {"ops": [...]} form', async () => {
    const res = await events(postBatch({ ops: [nthOp(1), nthOp(2)] }));

    expect(res.statusCode).toBe(201);
    expect(bodyOf(await stats(getStats())).total).toBe(2);
  });

  it('answers 207 naming each rejected index, field and reason', async () => {
    const res = await events(
      postBatch([nthOp(0), { endpoint: '' }, nthOp(2), { endpoint: 'x', success: 'yes' }, 'nope']),
    );

    expect(res.statusCode).toBe(207);
    const body = bodyOf(res) as {
      accepted: { index: number }[];
      rejected: { index: number; status: number; error: string }[];
    };
    expect(body.accepted.map((a) => a.index)).toEqual([0, 2]);
    expect(body.rejected.map((r) => [r.index, r.status])).toEqual([
      [1, 400],
      [3, 400],
      [4, 400],
    ]);
    expect(body.rejected[0]?.error).toMatch(/endpoint: must not be empty/);
    expect(body.rejected[1]?.error).toMatch(/success: must be a boolean/);
    expect(store.calls.append).toBe(1);
    expect(bodyOf(await stats(getStats())).total).toBe(2);
  });

  it('rejects an op over 64 KiB inside a batch with 413 for that index', async () => {
    const res = await events(postBatch([nthOp(0), nthOp(1, { blob: 'a'.repeat(70_000) })]));

    expect(res.statusCode).toBe(207);
    expect((bodyOf(res).rejected as { index: number; status: number }[])[0]).toMatchObject({
      index: 1,
      status: 413,
    });
  });

  it.each([
    ['501 ops', nthOps(501), 413],
    ['a body over 1 MiB', nthOps(20, 0, { blob: 'a'.repeat(60_000) }), 413],
    ['no valid op', [{ endpoint: '' }, 42], 400],
    ['an empty batch', [], 400],
    ['an object without ops', { op: nthOp(1) }, 400],
  ])('answers %s with nothing written', async (_name, body, status) => {
    const res = await events(postBatch(body));

    expect(res.statusCode).toBe(status);
    expect(store.calls.append).toBe(0);
    expect(bodyOf(await stats(getStats())).total).toBe(0);
  });

  it('keeps the order of a batch in the ring', async () => {
    await events(
      postBatch(
        Array.from({ length: 12 }, (_, i) => nthOp(i, { source: 'scenario', staffer_id: `s${i}` })),
      ),
    );

    const recent = bodyOf(await stats(getStats())).recent_scenario_ops as { staffer: string }[];

    expect(recent.map((r) => r.staffer)).toEqual(Array.from({ length: 10 }, (_, i) => `s${i + 2}`));
  });
});

describe('ops with an id', () => {
  let store: MemorySegmentStore;

  beforeEach(async () => {
    store = await warmOnMemory();
  });

  it('are counted once when the same batch is sent twice, and the repeat is not written', async () => {
    const batch = [nthOp(1, { id: 'a' }), nthOp(2, { id: 'b' }), nthOp(3)];
    await events(postBatch(batch));

    const again = await events(postBatch(batch.slice(0, 2)));

    expect(again.statusCode).toBe(201);
    expect(bodyOf(again)).toMatchObject({
      key: null,
      accepted: [
        { index: 0, id: 'a', duplicate: true },
        { index: 1, id: 'b', duplicate: true },
      ],
    });
    expect(store.calls.append).toBe(1);
    expect(bodyOf(await stats(getStats())).total).toBe(3);
  });

  it('are counted once when repeated inside one batch', async () => {
    const res = await events(postBatch([nthOp(1, { id: 'a' }), nthOp(2, { id: 'a' })]));

    expect(bodyOf(res).accepted).toEqual([
      { index: 0, id: 'a' },
      { index: 1, id: 'a', duplicate: true },
    ]);
    expect(bodyOf(await stats(getStats())).total).toBe(1);
  });

  it('answer a retried single op with 200 and duplicate: true', async () => {
    expect((await event(postOp(nthOp(1, { id: 'x' })))).statusCode).toBe(201);

    const retry = await event(postOp(nthOp(1, { id: 'x' })));

    expect(retry.statusCode).toBe(200);
    expect(bodyOf(retry)).toMatchObject({ ok: true, duplicate: true, id: 'x' });
    expect(store.calls.append).toBe(1);
  });

  it('behave as before without an id', async () => {
    await event(postOp(nthOp(1)));
    await event(postOp(nthOp(1)));

    expect(bodyOf(await stats(getStats())).total).toBe(2);
  });
});

describe('ops with an id on S3', () => {
  const s3 = mockClient(S3Client);

  beforeEach(() => {
    resetRuntime({ client: new S3Client({ region: 'us-east-1' }) });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
  });

  afterEach(() => {
    s3.reset();
  });

  it('cost one PutObject for a batch of 100, whatever their ids', async () => {
    const res = await events(
      postBatch(Array.from({ length: 100 }, (_, i) => nthOp(i, { id: `b-${i}` }))),
    );

    expect(res.statusCode).toBe(201);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it('cost no PutObject when the container already wrote them', async () => {
    const batch = Array.from({ length: 100 }, (_, i) => nthOp(i, { id: `r-${i}` }));
    await events(postBatch(batch));

    const retry = await events(postBatch(batch));

    expect(retry.statusCode).toBe(201);
    expect(bodyOf(retry).key).toBeNull();
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });
});
