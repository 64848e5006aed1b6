import { beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as review } from '../../../handlers/review';
import { resetRuntime } from '../../../lib/app/runtime';
import { findStoredOp } from '../../../lib/failures/review/review-request';
import { gzipCompacted } from '../../../lib/storage/compacted-codec';
import { compactedKey, partitionOf, partKey, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { bodyOf, httpEvent, postOp } from '../../support/events';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
});

const postReview = (body: unknown) =>
  httpEvent({
    method: 'POST',
    path: '/observer/review',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

/** Records an op through POST /observer/event and answers the key it was stored under. */
async function record(fields: Record<string, unknown>): Promise<string> {
  const res = await event(postOp(fields));
  expect(res.statusCode).toBe(201);
  return String(bodyOf(res).key);
}

describe('POST /observer/review', () => {
  it('reviews a sent op: a failure whose error the ring has not seen is investigated', async () => {
    await record({ endpoint: 'tools/call', success: true });

    const res = await review(
      postReview({ endpoint: 'tools/call', error: 'disk full on /dev/sda1' }),
    );

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res)).toMatchObject({
      op: { endpoint: 'tools/call', success: false, source: 'mcp' },
      cluster: null,
      streaks: { staffer: null, endpoint: { endpoint: 'tools/call', failures: 0 } },
      action: 'investigate',
      decided_by: 'rules',
      rules: { rule: 'new_cluster', conclusive: true },
    });
  });

  it('reviews a stored op named by key and line: its cluster, its count and the streak', async () => {
    for (const ms of [120, 250, 80]) {
      await record({ endpoint: 'tools/call', staffer_id: 'w-7', error: `timeout after ${ms} ms` });
    }
    const key = await record({
      endpoint: 'tools/call',
      staffer_id: 'w-7',
      error: 'timeout after 9 ms',
    });

    const res = await review(postReview({ key, line: 0 }));

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res);
    expect(body.op).toMatchObject({ key, line: 0, error: 'timeout after 9 ms', staffer_id: 'w-7' });
    expect(body.cluster).toMatchObject({
      count: 4,
      trend: { last_hour: 4, hour_before: 0 },
      new: true,
    });
    expect(body.streaks).toEqual({
      staffer: { staffer_id: 'w-7', failures: 4 },
      endpoint: { endpoint: 'tools/call', failures: 4 },
    });
    expect(body.rules).toMatchObject({
      rule: 'new_cluster',
      matched: ['new_cluster', 'staffer_streak', 'endpoint_streak'],
    });
  });

  it('has nothing to do for a success', async () => {
    const res = await review(postReview({ endpoint: 'tools/call', success: true }));

    expect(bodyOf(res)).toMatchObject({
      action: 'none',
      cluster: null,
      rules: { rule: 'success' },
    });
  });

  it('answers 404 for a key and line that hold no op', async () => {
    const key = await record({ endpoint: 'tools/call' });
    const absent = segmentKey(new Date('2026-11-24T21:00:00Z'), 'nothing');

    const past = await review(postReview({ key, line: 1 }));
    const gone = await review(postReview({ key: absent, line: 0 }));

    expect(past.statusCode).toBe(404);
    expect(bodyOf(past).error).toBe(`no op is stored at ${key} line 1`);
    expect(gone.statusCode).toBe(404);
  });

  it.each([
    [{ key: 'ops/nope.jsonl', line: 0 }, ['key']],
    [{ key: segmentKey(new Date(), 'x'), line: -1 }, ['line']],
    [{ key: segmentKey(new Date(), 'x'), line: 1.5 }, ['line']],
    [{ key: 7 }, ['key', 'line']],
    [{ key: segmentKey(new Date(), 'x'), line: 0, note: 'hi' }, ['(body)']],
  ])('answers 400 naming the bad fields of %j', async (body, fields) => {
    const res = await review(postReview(body));

    expect(res.statusCode).toBe(400);
    expect((bodyOf(res).fields as { field: string }[]).map((f) => f.field)).toEqual(fields);
    expect(String(bodyOf(res).error)).toMatch(/^invalid review request: /);
  });

  it('answers 400 naming the bad fields of an op', async () => {
    const res = await review(postReview({ endpoint: '', success: 'no' }));

    expect(res.statusCode).toBe(400);
    expect((bodyOf(res).fields as { field: string }[]).map((f) => f.field).sort()).toEqual([
      'endpoint',
      'success',
    ]);
  });

  it('answers 400 for a body that is not JSON, and records nothing', async () => {
    const res = await review(postReview('{"key":'));

    expect(res.statusCode).toBe(400);
    expect(store.calls.append).toBe(0);
  });

  it('is a known route: GET answers 405 with Allow: POST', async () => {
    const res = await notFound(httpEvent({ method: 'GET', path: '/observer/review' }));

    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('POST');
  });
});

describe('findStoredOp', () => {
  const at = new Date('2026-11-24T21:15:03.123Z');
  const key = segmentKey(at, 'abc');
  const ops = [op('a', { success: false, error: 'x' }), op('b')];

  it('reads the op from its segment when the ring does not hold it', async () => {
    store.putRaw(key, encodeSegment(ops));

    const found = await findStoredOp(store, [], { key, line: 1 });

    expect(found).toEqual({ op: ops[1], key, line: 1 });
  });

  it("reads it from its hour's compacted object once the segment is gone", async () => {
    store.putRaw(
      compactedKey(partitionOf(key)),
      gzipCompacted(ops.map((o, line) => ({ key, line, op: o }))),
    );

    const found = await findStoredOp(store, [], { key, line: 0 });

    expect(found).toEqual({ op: ops[0], key, line: 0 });
  });

  it('reads it from the part of its hour that holds its key once the segment is gone', async () => {
    const hour = partitionOf(key);
    const before = segmentKey(new Date(at.getTime() - 60_000), 'abc');
    store.putRaw(
      partKey(hour, Date.UTC(2026, 10, 24, 21)),
      gzipCompacted([{ key: before, line: 0, op: op('other') }]),
    );
    store.putRaw(
      partKey(hour, at.getTime()),
      gzipCompacted(ops.map((o, line) => ({ key, line, op: o }))),
    );

    const found = await findStoredOp(store, [], { key, line: 1 });

    expect(found).toEqual({ op: ops[1], key, line: 1 });
  });

  it('takes the op from the ring without reading the store', async () => {
    const found = await findStoredOp(store, [{ key, line: 0, op: ops[0] as never }], {
      key,
      line: 0,
    });

    expect(found.op).toEqual(ops[0]);
    expect(store.calls.read).toBe(0);
  });
});
