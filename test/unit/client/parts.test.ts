import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { newId, prepareOp, utf8Length } from '../../../client/src/ops';
import { OpQueue, type QueuedOp } from '../../../client/src/queue';
import { backoffSettings, parseRetryAfter, retryDelay } from '../../../client/src/retry';

// The client's pure parts: backoff, Retry-After, the queue, op preparation.

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('retryDelay', () => {
  const noJitter = backoffSettings({ base: 100, max: 1000, jitter: 0 });

  it('doubles from base up to max without jitter', () => {
    const delays = [1, 2, 3, 4, 5, 6].map((n) => retryDelay(n, noJitter, undefined));

    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('draws a full-jitter wait from [0, ceiling]', () => {
    const full = backoffSettings({ base: 100, max: 1000 });

    expect(retryDelay(3, full, undefined, () => 0)).toBe(400);
    expect(retryDelay(3, full, undefined, () => 0.999)).toBeCloseTo(0.4, 1);
  });

  it('takes Retry-After over the backoff, up to retryAfterMax', () => {
    const b = backoffSettings({ base: 100, retryAfterMax: 5000 });

    expect(retryDelay(1, b, 2000)).toBe(2000);
    expect(retryDelay(1, b, 90_000)).toBe(5000);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T21:15:00Z');

  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['Tue, 24 Nov 2026 21:15:03 GMT', 3000],
    ['Tue, 24 Nov 2026 21:14:00 GMT', 0],
  ])('reads %s as %i ms', (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it.each([[null], ['soon'], ['-1']])('ignores %s', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('OpQueue', () => {
  const queued = (seq: number, bytes = 10): QueuedOp => ({ id: `id-${seq}`, json: '', bytes, seq });

  it('pushes out the oldest op when full', () => {
    const q = new OpQueue(2);

    const out = [q.push(queued(1)), q.push(queued(2)), q.push(queued(3))];

    expect(out.map((o) => o?.seq)).toEqual([undefined, undefined, 1]);
    expect(q.take(10, 1000).map((o) => o.seq)).toEqual([2, 3]);
  });

  it('takes no more ops than asked and no more bytes than fit, but always one', () => {
    const q = new OpQueue(100);
    for (let i = 1; i <= 5; i++) q.push(queued(i, 30));

    // 2 brackets + 30 + 1 + 30 = 63 fits 70; a third op would make 94.
    expect(q.take(10, 70).map((o) => o.seq)).toEqual([1, 2]);
    expect(q.take(1, 1000).map((o) => o.seq)).toEqual([3]);
    expect(q.take(10, 5).map((o) => o.seq)).toEqual([4]);
    expect(q.length).toBe(1);
  });

  it('keeps order across many pushes and takes', () => {
    const q = new OpQueue(10_000);
    const taken: number[] = [];
    for (let i = 1; i <= 5000; i++) {
      q.push(queued(i));
      if (i % 7 === 0) taken.push(...q.take(3, 1e9).map((o) => o.seq));
    }
    taken.push(...q.take(1e9, 1e9).map((o) => o.seq));

    expect(taken).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
  });
});

describe('prepareOp', () => {
  it('counts the bytes of the op as UTF-8 JSON', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(utf8Length(s)).toBe(new TextEncoder().encode(s).length);
      }),
    );
  });

  it('refuses an op whose JSON is over 64 KiB by its UTF-8 size', () => {
    const op = { endpoint: 'x', text: 'é'.repeat(33_000) };

    expect(prepareOp(op, new Date())).toMatchObject({ name: 'InvalidOpError' });
  });
});

describe('newId', () => {
  it('builds a v4 UUID from getRandomValues where randomUUID is missing', () => {
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => b.fill(0xff) });

    expect(newId()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff');
  });
});
