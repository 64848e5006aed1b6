import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createObserverClient,
  type ErrorContext,
  type ObserverClient,
} from '../../../client/src/index';
import { freePort } from '../../../dev/free-port';
import { clientSessions } from '../../support/client-session';
import { type Answer, answers, type Receiver } from '../../support/receiver';

// Failed requests against a real local HTTP receiver: which are retried, how
// long the client waits, what it gives up on, and that nothing is thrown.

const FAST = { base: 1, max: 5, jitter: 0 };

const setUp = clientSessions({ backoff: FAST });

/** A client a test makes without a receiver, shut down after the test whatever happened. */
let loose: ObserverClient | undefined;
afterEach(async () => {
  await loose?.shutdown();
  loose = undefined;
});

const op = (i: number) => ({ endpoint: `tools/${i}` });
const ids = (r: Receiver, n: number) => r.requests[n]?.ops.map((o) => o.id);

describe('a request that fails in a way worth retrying', () => {
  const cases: [string, Answer][] = [
    ['a 503', { status: 503, body: { error: 'storage is unavailable; retry later' } }],
    ['a 429', { status: 429, body: { error: 'slow down' } }],
    ['a 500', { status: 500, body: { error: 'internal error' } }],
    ['a dropped connection', { drop: true }],
    ['a 200 that is not a batch answer', { status: 200, body: { errorMessage: 'timed out' } }],
  ];

  it.each(cases)('is sent again after %s, with the same ops and ids', async (_, first) => {
    const { receiver, client, errors } = await setUp(answers([first]));
    for (let i = 0; i < 3; i++) client.observe(op(i));

    await client.flush();

    expect(receiver.requests).toHaveLength(2);
    expect(ids(receiver, 1)).toEqual(ids(receiver, 0));
    expect(new Set(ids(receiver, 0)).size).toBe(3);
    expect(client.stats()).toMatchObject({ sent: 3, failed: 0, requests: 2, retries: 1 });
    expect(errors.map((e) => e.context)).toEqual([
      expect.objectContaining({ kind: 'retry', attempt: 1, ids: ids(receiver, 0) }),
    ]);
  });

  it('backs off exponentially between retries', async () => {
    const busy: Answer = { status: 503 };
    const { client, errors } = await setUp(answers([busy, busy, busy]), {
      backoff: { base: 10, max: 25, jitter: 0 },
    });
    client.observe(op(1));

    await client.flush();

    expect(errors.map((e) => e.context.delayMs)).toEqual([10, 20, 25]);
  });

  it('waits the seconds Retry-After asks for, and not less', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { receiver, client, errors } = await setUp(
      answers([{ status: 503, headers: { 'retry-after': '2' } }]),
    );
    client.observe(op(1));
    const flushed = client.flush();
    // Not vi.waitFor: under fake timers it moves the clock on.
    while (errors.length === 0) await new Promise((tick) => setImmediate(tick));

    await vi.advanceTimersByTimeAsync(1999);
    const before = client.stats().requests;
    await vi.advanceTimersByTimeAsync(1);
    const after = client.stats().requests;
    vi.useRealTimers();
    await flushed;

    expect(errors[0]?.context).toMatchObject({ kind: 'retry', status: 503, delayMs: 2000 });
    expect([before, after]).toEqual([1, 2]);
    expect(receiver.requests).toHaveLength(2);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const at = new Date(Date.now() + 2000).toUTCString();
    const { client, errors } = await setUp(
      answers([{ status: 429, headers: { 'retry-after': at } }]),
    );
    client.observe(op(1));

    await client.flush();

    const delay = errors[0]?.context.delayMs ?? 0;
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(2000);
  });

  it('is given up after maxRetries, counted as failed and reported', async () => {
    const { receiver, client, errors } = await setUp(() => ({ status: 503 }), { maxRetries: 2 });
    const id = client.observe(op(1));

    await client.flush();

    expect(receiver.requests).toHaveLength(3);
    expect(client.stats()).toMatchObject({ sent: 0, failed: 1, retries: 2 });
    const last = errors.at(-1);
    expect(last?.context).toEqual({ kind: 'gave-up', ids: [id], attempt: 3 });
    expect(last?.err.name).toBe('DeliveryFailedError');
    expect((last?.err.cause as Error | undefined)?.name).toBe('RetryableAnswerError');
  });

  it('gives up on a service that does not listen, reporting a network error', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const errors: ErrorContext[] = [];
    let cause: unknown;
    const client = createObserverClient({
      url,
      maxRetries: 1,
      backoff: FAST,
      flushOnExit: false,
      onError: (err, context) => {
        errors.push(context);
        cause = err.cause;
      },
    });
    loose = client;
    client.observe(op(1));

    await client.flush();

    expect(errors.map((e) => e.kind)).toEqual(['retry', 'gave-up']);
    expect((cause as Error).name).toBe('NetworkError');
    expect(client.stats().failed).toBe(1);
  });
});

describe('a request the service refuses', () => {
  it('drops the batch on a 4xx other than 429, reports it, and does not send it again', async () => {
    const refusal: Answer = { status: 401, body: { error: 'missing or invalid bearer token' } };
    const { receiver, client, errors } = await setUp(answers([refusal]));
    client.observe(op(1));
    client.observe(op(2));

    await client.flush();

    expect(receiver.requests).toHaveLength(1);
    expect(client.stats()).toMatchObject({ sent: 0, failed: 2, retries: 0 });
    expect(errors[0]?.context).toEqual({ kind: 'refused', ids: ids(receiver, 0), status: 401 });
    expect(errors[0]?.err.message).toMatch(/401 .*invalid bearer token/);
  });

  it('reports each op a 207 rejects, counts the rest as sent, and resends nothing', async () => {
    const partly: Answer = {
      status: 207,
      body: {
        ok: false,
        key: 'ops/x.jsonl',
        accepted: [{ index: 0 }, { index: 2, duplicate: true }],
        rejected: [{ index: 1, status: 400, error: 'invalid op: success: must be a boolean' }],
      },
    };
    const { receiver, client, errors } = await setUp(answers([partly]));
    const sent = [client.observe(op(0)), client.observe(op(1)), client.observe(op(2))];

    await client.flush();

    expect(receiver.requests).toHaveLength(1);
    expect(client.stats()).toMatchObject({ sent: 2, duplicates: 1, rejected: 1, failed: 0 });
    expect(errors.map((e) => e.context)).toEqual([
      { kind: 'rejected', ids: [sent[1]], status: 400 },
    ]);
    expect(errors[0]?.err.message).toMatch(/success: must be a boolean/);
  });
});

describe('observe()', () => {
  it('never throws: bad ops, a throwing onError and a throwing fetch are reported or absorbed', async () => {
    const circular: Record<string, unknown> = { endpoint: 'loop' };
    circular.self = circular;
    const bad: unknown[] = [
      null,
      'text',
      [],
      {},
      { endpoint: '   ' },
      { endpoint: 'x', id: 7 },
      { endpoint: 'x', id: '' },
      circular,
      { endpoint: 'x', n: 10n },
      { endpoint: 'x', blob: 'a'.repeat(70_000) },
    ];
    let reported = 0;
    const client = createObserverClient({
      url: 'http://127.0.0.1:9',
      maxRetries: 0,
      flushOnExit: false,
      fetch: () => {
        throw new Error('fetch exploded');
      },
      onError: () => {
        reported++;
        throw new Error('so did the callback');
      },
    });
    loose = client;

    const run = () => {
      for (const b of bad) client.observe(b as never);
      client.observe(op(1));
    };

    expect(run).not.toThrow();
    await expect(client.flush()).resolves.toBeUndefined();
    expect(client.stats()).toMatchObject({ invalid: bad.length, observed: 1, failed: 1 });
    expect(reported).toBe(bad.length + 1);
  });
});

describe('createObserverClient()', () => {
  it('refuses a bad option at once, naming it', () => {
    expect(() => createObserverClient({ url: 'not a url' })).toThrow(/url must be/);
    expect(() => createObserverClient({ url: 'http://x', flushAt: 501 })).toThrow(
      /flushAt must be a whole number from 1 to 500/,
    );
  });
});
