import { describe, expect, it, vi } from 'vitest';
import type { ObserverClientOptions } from '../../../client/src/index';
import { clientSessions } from '../../support/client-session';
import { acceptAll, type Script } from '../../support/receiver';

// The client against a real local HTTP receiver: how ops are grouped into
// requests, what each request carries, and what the queue does when full.

const start = clientSessions();
const setUp = (options: Partial<ObserverClientOptions> = {}, script: Script = acceptAll) =>
  start(script, options);

const op = (i: number) => ({ endpoint: `tools/${i}`, success: i % 2 === 0 });

describe('batching', () => {
  it('sends a batch as soon as flushAt ops are queued, and keeps the rest', async () => {
    const { receiver, client } = await setUp({ flushAt: 10 });

    for (let i = 0; i < 25; i++) client.observe(op(i));
    await receiver.waitForRequests(2);

    expect(receiver.requests.map((r) => r.ops.length)).toEqual([10, 10]);
    expect(client.stats().queued).toBe(5);
  });

  it('sends what is left on flush(), and flush() resolves once it is acknowledged', async () => {
    const { receiver, client } = await setUp({ flushAt: 10 });
    for (let i = 0; i < 25; i++) client.observe(op(i));

    await client.flush();

    expect(receiver.requests.map((r) => r.ops.length).sort((a, b) => a - b)).toEqual([5, 10, 10]);
    expect(receiver.ops().map((o) => o.endpoint)).toEqual(
      expect.arrayContaining(Array.from({ length: 25 }, (_, i) => `tools/${i}`)),
    );
    expect(client.stats()).toMatchObject({ observed: 25, sent: 25, queued: 0, inFlight: 0 });
  });

  it('posts a JSON array to /observer/events with the token', async () => {
    const { receiver, client } = await setUp({ token: 'a-token-of-sixteen-chars' });
    client.observe(op(1));

    await client.flush();

    const [req] = receiver.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/observer/events');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.authorization).toBe('Bearer a-token-of-sixteen-chars');
  });

  it('sends a batch smaller than flushAt once flushInterval has passed, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { receiver, client } = await setUp({ flushAt: 100, flushInterval: 1000 });
    for (let i = 0; i < 3; i++) client.observe(op(i));

    vi.advanceTimersByTime(999);
    const before = client.stats();
    vi.advanceTimersByTime(1);
    const after = client.stats();
    await receiver.waitForRequests(1);

    expect(before).toMatchObject({ queued: 3, inFlight: 0, requests: 0 });
    expect(after).toMatchObject({ queued: 0, inFlight: 3, requests: 1 });
    expect(receiver.requests[0]?.ops).toHaveLength(3);
  });

  it('never puts more than 500 ops in one request', async () => {
    const { receiver, client } = await setUp({ flushAt: 500, concurrency: 1 });
    // One request at a time: the ops queued meanwhile pile up beyond 500.
    for (let i = 0; i < 1700; i++) client.observe(op(i));

    await client.flush();

    expect(Math.max(...receiver.requests.map((r) => r.ops.length))).toBe(500);
    expect(receiver.ops()).toHaveLength(1700);
  });
});

describe('ids', () => {
  it('gives every op a UUID id and a timestamp, and keeps an id the op has', async () => {
    const { receiver, client } = await setUp();

    const given = client.observe({ endpoint: 'a' });
    const kept = client.observe({
      endpoint: 'b',
      id: 'run-7/op-1',
      timestamp: '2026-01-01T00:00:00Z',
    });
    await client.flush();

    expect(given).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(kept).toBe('run-7/op-1');
    expect(receiver.ops()).toEqual([
      { endpoint: 'a', id: given, timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
      { endpoint: 'b', id: 'run-7/op-1', timestamp: '2026-01-01T00:00:00Z' },
    ]);
  });

  it('sends the op as it was when observed, not as the caller changed it later', async () => {
    const { receiver, client } = await setUp();
    const mutable = { endpoint: 'before', success: true };

    client.observe(mutable);
    mutable.endpoint = 'after';
    await client.flush();

    expect(receiver.ops()[0]?.endpoint).toBe('before');
  });
});

describe('a full queue', () => {
  it('drops the oldest ops, counts them and reports their ids', async () => {
    const { receiver, client, errors } = await setUp({ maxQueue: 5, flushAt: 100 });
    const ids = Array.from({ length: 8 }, (_, i) => client.observe(op(i)));

    const queued = client.stats();
    await client.flush();

    expect(queued).toMatchObject({ observed: 8, queued: 5, dropped: 3 });
    expect(errors.map((e) => e.context)).toEqual(
      ids.slice(0, 3).map((id) => ({ kind: 'dropped', ids: [id] })),
    );
    expect(errors[0]?.err.name).toBe('OpsDroppedError');
    expect(receiver.ops().map((o) => o.id)).toEqual(ids.slice(3));
  });
});

describe('after shutdown()', () => {
  it('has sent everything, and drops and reports ops observed later', async () => {
    const { receiver, client, errors } = await setUp();
    client.observe(op(1));

    await client.shutdown();
    const late = client.observe(op(2));

    expect(receiver.ops()).toHaveLength(1);
    expect(late).toBeUndefined();
    expect(client.stats()).toMatchObject({ observed: 2, sent: 1, dropped: 1 });
    expect(errors.map((e) => e.context.kind)).toEqual(['dropped']);
  });
});
