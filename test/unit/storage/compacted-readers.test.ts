import { describe, expect, it } from 'vitest';
import { compactHours } from '../../../lib/lake/compaction';
import { Observer } from '../../../lib/ring/observer';
import { writeSnapshot } from '../../../lib/stats/writer';
import { gzipCompacted } from '../../../lib/storage/compacted-codec';
import { compactedKey, HOUR_MS, hourPartition, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { MemorySegmentStore } from '../../support/memory-store';
import { nthOp } from '../../support/ops';
import { compactInParts } from '../../support/parts';

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
    const objects = [...store.objects.keys()].filter((k) => k.startsWith('ops/'));
    expect(store.calls.read).toBe(objects.length);
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

describe('hours compacted in parts', () => {
  const HOURS_BACK = [6, 5, 4, 3, 2, 1];
  /** The history with each hour before 21:00 compacted into parts starting at :00, :20 and :40. */
  function inParts(n: number) {
    const store = history(n);
    const parts = HOURS_BACK.map((back) =>
      compactInParts(store, hourPartition(new Date(T0 - back * HOUR_MS)), [0, 20, 40]),
    );
    return { store, parts };
  }

  /** The keys a store is read at, in order. */
  function readsOf(store: MemorySegmentStore): string[] {
    const keys: string[] = [];
    const read = store.read.bind(store);
    store.read = (key) => {
      keys.push(key);
      return read(key);
    };
    return keys;
  }

  it('a cold start by listing rebuilds the same ring and reads no part older than it needs', async () => {
    const expected = await ringOf(observer(history(60), 5));
    const { store, parts } = inParts(60);
    const reads = readsOf(store);
    const o = new Observer(store, {
      cap: 5,
      skewMs: 30_000,
      coldStartHours: 168,
      readConcurrency: 1,
      now: () => T0,
    });

    const ring = await ringOf(o);

    expect(ring).toEqual(expected);
    const [h19, h20] = parts.slice(-2) as [string[], string[]];
    // 20:40–21:00 (empty), 20:20–20:40 and 20:00–20:20 hold 6 ops; 19:40–20:00 brings the ring
    // and its reserve to 10, and the retry window (10 minutes) before 19:40 reaches into
    // 19:20–19:40, and no further: 19:00–19:20 and every older hour are not read.
    expect(reads).toEqual([h20[2], h20[1], h20[0], h19[2], h19[1]]);
  });

  it.each([12, 40, 100])(
    'a cold start by listing (cap %i) counts what a ring of the uncompacted history counts',
    async (cap) => {
      const expected = (await observer(history(60), cap).stats()).stats;
      const { store } = inParts(60);

      expect((await observer(store, cap).stats()).stats).toEqual(expected);
    },
  );

  it('a cold start from a checkpoint older than the parts counts the same', async () => {
    const store = history(60);
    const early = new MemorySegmentStore();
    for (const [k, v] of store.objects)
      if (k < segmentKey(new Date(T0 - 4 * HOUR_MS), '')) early.putRaw(k, v);
    await writeSnapshot(observer(early, 30, () => T0 - 4 * HOUR_MS));
    for (const [key, body] of early.objects) if (key.startsWith('ring/')) store.putRaw(key, body);
    const expected = (await observer(history(60), 30).stats()).stats;
    for (const back of HOURS_BACK) {
      compactInParts(store, hourPartition(new Date(T0 - back * HOUR_MS)), [0, 20, 40]);
    }

    expect((await observer(store, 30).stats()).stats).toEqual(expected);
  });

  it('a refresh reads segments deleted after its listing from the one part holding them', async () => {
    const store = history(60);
    const hour = hourPartition(new Date(T0 - HOUR_MS));
    // Loaded at 20:13, before the segments of 20:18 and 20:24 landed.
    const newer = [...store.objects.entries()].filter(
      ([k]) => k >= segmentKey(new Date(T0 - 75 * 60_000), ''),
    );
    for (const [k] of newer) store.objects.delete(k);
    let now = T0 - 77 * 60_000;
    const o = observer(store, 100, () => now);
    await o.load();
    for (const [k, v] of newer) store.putRaw(k, v);
    // The next refresh lists them; the hour is compacted before it reads them.
    const list = store.list.bind(store);
    let parts: string[] = [];
    store.list = async function* (prefix, startAfter) {
      yield* list(prefix, startAfter);
      if (parts.length === 0) parts = compactInParts(store, hour, [0, 15, 40]);
    };
    const reads = readsOf(store);
    now = T0;

    const { stats } = await o.stats();

    expect(newer).toHaveLength(2);
    expect(stats).toEqual((await observer(history(60), 100).stats()).stats);
    expect(reads).toEqual([newer[0]?.[0], newer[1]?.[0], parts[1]]);
  });
});
