import { describe, expect, it } from 'vitest';
import type { ObservedOp } from '../../../lib/domain/op';
import { Observer, type ObserverOptions } from '../../../lib/ring/observer';
import { HOUR_MS, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';
import { op } from '../../support/ops';

const T0 = Date.UTC(2026, 10, 24, 21, 30, 0);

function setup(options: Partial<ObserverOptions> = {}) {
  let now = T0;
  const store = new MemorySegmentStore();
  const observer = new Observer(store, {
    cap: 2000,
    skewMs: 30_000,
    coldStartHours: 168,
    readConcurrency: 16,
    ...options,
    now: () => now,
  });
  const put = (at: number, ...ops: ObservedOp[]) => {
    const key = segmentKey(new Date(at), `w${at}`);
    store.putRaw(key, encodeSegment(ops));
    return key;
  };
  return { store, observer, put, tick: (ms: number) => (now += ms) };
}

describe('cold start', () => {
  it('reads only the newest segments the ring and its reserve need, and a retry window before them', async () => {
    const { store, observer, put } = setup({
      cap: 5,
      reserve: 2,
      retryWindowMs: 3000,
      readConcurrency: 1,
    });
    for (let i = 0; i < 20; i++) put(T0 - i * 1000, op(`e${i}`));

    const { stats } = await observer.stats();

    expect(stats.total).toBe(5);
    // e0..e6 for the ring and the reserve; e7..e9, stamped within 3 s before e6.
    expect(store.calls.read).toBe(10);
    const ring = [...(await observer.load()).ring].map((e) => e.op.endpoint);
    expect(ring).toEqual(['e4', 'e3', 'e2', 'e1', 'e0']);
  });

  it('walks hour partitions back and then lists everything older than the horizon', async () => {
    const { observer, put } = setup({ coldStartHours: 24 });
    put(T0 - 400 * 24 * HOUR_MS, op('last-year'));
    put(T0 - 5 * HOUR_MS, op('five-hours'));
    put(T0, op('now'));

    const ring = [...(await observer.load()).ring].map((e) => e.op.endpoint);

    expect(ring).toEqual(['last-year', 'five-hours', 'now']);
  });

  it('includes a segment stamped slightly ahead by a container whose clock runs fast', async () => {
    const { observer, put, tick } = setup();
    const nearTheHour = tick(HOUR_MS / 2 - 10_000); // 21:59:50
    put(nearTheHour + 20_000, op('ahead-in-the-next-hour'));

    const { stats } = await observer.stats();

    expect(stats.total).toBe(1);
  });

  it('orders ops by segment key, then by line', async () => {
    const { observer, put } = setup();
    put(T0 + 2, op('c'));
    put(T0 + 1, op('a'), op('b'));

    const ring = [...(await observer.load()).ring].map((e) => e.op.endpoint);

    expect(ring).toEqual(['a', 'b', 'c']);
  });
});

describe('refresh', () => {
  it('applies segments other containers wrote, once', async () => {
    const { observer, put, tick } = setup();
    await observer.stats();
    tick(1000);
    put(T0 + 500, op('other'));

    const first = await observer.stats();
    tick(1000);
    const second = await observer.stats();

    expect(first.stats.total).toBe(1);
    expect(second.stats.total).toBe(1);
  });

  it('applies a late write stamped inside the skew window, in key order', async () => {
    const { observer, put, tick } = setup();
    put(T0 - 1000, op('early'));
    await observer.stats();
    tick(10_000);
    await observer.stats();
    put(T0 - 500, op('late'));
    put(T0 + 9_000, op('recent'));

    await observer.stats();

    const ring = [...(await observer.load()).ring].map((e) => e.op.endpoint);
    expect(ring).toEqual(['early', 'late', 'recent']);
  });

  it('lists once and reads nothing when nothing is new', async () => {
    const { store, observer, put } = setup();
    put(T0, op('a'));
    await observer.stats();
    store.resetCalls();

    await observer.stats();

    expect(store.calls).toMatchObject({ list: 1, read: 0 });
  });

  it('shares one refresh among calls made while one runs', async () => {
    const { store, observer } = setup();
    await observer.stats();
    store.resetCalls();

    await Promise.all(Array.from({ length: 10 }, () => observer.stats()));

    expect(store.calls.list).toBeLessThanOrEqual(2);
  });

  it('counts its own write once when a refresh also lists it', async () => {
    const { observer } = setup();
    await observer.stats();

    await observer.record([op('mine')], new Date(T0));
    const { stats } = await observer.stats();

    expect(stats.total).toBe(1);
  });

  it('does not apply to a ring that was never loaded (a POST needs no rebuild)', async () => {
    const { store, observer } = setup();

    await observer.record([op('x')], new Date(T0));

    expect(observer.status()).toEqual({ loaded: false, ring_size: 0, ring_cap: 2000 });
    expect(store.calls).toEqual({ ...NO_CALLS, append: 1 });
  });
});
