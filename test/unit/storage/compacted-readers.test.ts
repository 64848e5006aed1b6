import { describe, expect, it } from 'vitest';
import { compactHours } from '../../../lib/lake/compaction';
import { Observer } from '../../../lib/ring/observer';
import { writeSnapshot } from '../../../lib/stats/writer';
import { gzipCompacted } from '../../../lib/storage/compacted-codec';
import { compactedKey, HOUR_MS, hourPartition, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { MemorySegmentStore } from '../../support/memory-store';
import { nthOp } from '../../support/ops';

// Every reader (cold start from a checkpoint, cold start by listing, warm
// refresh) over hours in both forms: per-op segments and compacted objects,
// and the mixed state a crash in the middle of compaction leaves.

const T0 = Date.UTC(2026, 10, 24, 21, 30);

/** Ops 0..n-1, one segment each (every fifth holds two), spread over the 6 hours before T0. */
function history(n: number) {
  const store = new MemorySegmentStore();
  let i = 0;
  let s = 0;
  while (i < n) {
    const at = T0 - 6 * HOUR_MS + s * Math.floor((6 * HOUR_MS) / n);
    const ops = s % 5 === 4 && i + 1 < n ? [nthOp(i), nthOp(i + 1)] : [nthOp(i)];
    store.putRaw(segmentKey(new Date(at), `w${String(s).padStart(4, '0')}`), encodeSegment(ops));
    i += ops.length;
    s++;
  }
  return store;
}

function observer(store: MemorySegmentStore, cap: number, now = () => T0) {
  return new Observer(store, { cap, skewMs: 30_000, coldStartHours: 168, now });
}

const compact = (store: MemorySegmentStore) =>
  compactHours(store, { now: T0, afterHours: 1, lookbackHours: 24 });

async function ringOf(o: Observer): Promise<string[]> {
  return [...(await o.load()).ring].map((e) => e.op.endpoint);
}

describe('a cold start by listing', () => {
  it('rebuilds the same ring, in the same order, after compaction', async () => {
    const store = history(60);
    const before = await ringOf(observer(store, 40));

    const summary = await compact(store);
    const after = await ringOf(observer(store, 40));

    expect(summary.compacted).toBeGreaterThanOrEqual(4);
    expect(after).toEqual(before);
    expect(after).toHaveLength(40);
  });

  it('reads one object per compacted hour instead of one per segment', async () => {
    const store = history(60);
    const segments = store.objects.size;
    await compact(store);
    store.resetCalls();

    await observer(store, 1000).stats();

    expect(segments).toBe(50);
    expect(store.calls.read).toBe(store.objects.size);
    expect(store.calls.read).toBe(5 + 5); // 15:00–19:00 compacted, 5 segments after 20:00
  });

  it('counts each op once when an hour is in both forms (a crash before the deletes)', async () => {
    const store = history(60);
    const segments = new Map(store.objects);
    const expected = await ringOf(observer(store, 40));
    await compact(store);
    for (const [k, v] of segments) store.objects.set(k, v);

    const o = observer(store, 40);
    const { stats } = await o.stats();

    expect(stats.total).toBe(40);
    expect(await ringOf(o)).toEqual(expected);
  });

  it('fills a small ring with distinct ops when the newest hour is in both forms', async () => {
    // Counted per object, the doubled newest hours would stop the walk with the ring half full.
    const store = history(60);
    const segments = new Map(store.objects);
    const expected = await ringOf(observer(store, 25));
    await compact(store);
    for (const [k, v] of segments) if (k >= 'ops/2026/11/24/19/') store.objects.set(k, v);

    const ring = await ringOf(observer(store, 25));

    expect(ring).toEqual(expected);
  });
});

describe('a cold start from a checkpoint', () => {
  it.each([
    [30, 'a full ring'],
    [100, 'every op'],
  ])(
    'older than the compaction gives the stats of the uncompacted history (cap %i: %s)',
    async (cap) => {
      const store = history(60);
      // The checkpoint was written 4 hours before T0, over the ops received until then.
      const early = new MemorySegmentStore();
      for (const [k, v] of store.objects)
        if (k < segmentKey(new Date(T0 - 4 * HOUR_MS), '')) early.putRaw(k, v);
      let now = T0 - 4 * HOUR_MS;
      await writeSnapshot(observer(early, cap, () => now));
      for (const [key, body] of early.objects) if (key.startsWith('ring/')) store.putRaw(key, body);
      now = T0;
      const expected = (await observer(history(60), cap).stats()).stats;
      await compact(store);
      store.resetCalls();

      const { stats } = await observer(store, cap).stats();

      expect(stats).toEqual(expected);
      expect(stats.total).toBe(Math.min(cap, 60));
      // The checkpoint, then the tail: the compacted 17:00, 18:00 and 19:00 and 5 segments after 20:00.
      expect(store.calls.read).toBe(3 + 5);
    },
  );

  it('newer than the compaction reads no compacted object', async () => {
    const store = history(60);
    await compact(store);
    await writeSnapshot(observer(store, 30));
    store.resetCalls();

    const { stats } = await observer(store, 30).stats();

    expect(stats.total).toBe(30);
    expect(store.calls.read).toBe(0);
  });
});

describe('a warm refresh', () => {
  it('keeps its stats when the hours it holds are compacted under it', async () => {
    const store = history(60);
    let now = T0;
    const o = observer(store, 50, () => now);
    const before = (await o.stats()).stats;

    await compact(store);
    now += 60_000;
    const after = (await o.stats()).stats;

    expect(after).toEqual(before);
  });

  it('after a cold start from an old checkpoint, lists a compacted hour once', async () => {
    const store = history(60);
    let now = T0 - 3 * HOUR_MS;
    await writeSnapshot(observer(store, 30, () => now));
    now = T0;
    await compact(store);
    const o = observer(store, 30, () => now);
    await o.stats();
    store.resetCalls();

    now += 60_000;
    const { stats } = await o.stats();

    expect(stats.total).toBe(30);
    expect(store.calls.read).toBe(0);
  });
});

describe('a compacted hour read by a ring', () => {
  it('keeps each op at the key and line it was first stored under', async () => {
    const store = new MemorySegmentStore();
    const key = segmentKey(new Date(T0 - 3 * HOUR_MS), 'gap000');
    // Line 2 of the segment was unreadable when it was compacted; lines 1 and 3 keep their numbers.
    store.putRaw(
      compactedKey(hourPartition(new Date(T0 - 3 * HOUR_MS))),
      gzipCompacted([
        { key, line: 1, op: nthOp(1) },
        { key, line: 3, op: nthOp(3) },
      ]),
    );

    const ring = [...(await observer(store, 10).load()).ring];

    expect(ring.map((e) => [e.key, e.line, e.op.endpoint])).toEqual([
      [key, 1, 'e1'],
      [key, 3, 'e3'],
    ]);
  });
});
