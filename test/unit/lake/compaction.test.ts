import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../lib/domain/entry';
import { compactHours, compactPartition, partitionsToCompact } from '../../../lib/lake/compaction';
import { countedEntries, mergeEntries, sameEntries } from '../../../lib/lake/entries';
import { gunzipCompacted, gzipCompacted } from '../../../lib/storage/compacted-codec';
import {
  compactedKey,
  droppedKeyOf,
  HOUR_MS,
  hourPartition,
  partitionStart,
  partKey,
  segmentKey,
} from '../../../lib/storage/keys';
import { replayObject } from '../../../lib/storage/replay';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

const NOW = Date.UTC(2026, 10, 24, 14, 30);
const H11 = Date.UTC(2026, 10, 24, 11);
const P11 = 'ops/2026/11/24/11/';
/** The one part of 11:00 when it is compacted whole: its range starts at the hour's start. */
const PART = partKey(P11, H11);

/** The objects a store holds under ops/. */
const opsObjects = (store: MemorySegmentStore) =>
  new Map([...store.objects].filter(([k]) => k.startsWith('ops/')));

/** The keys a store holds under ops/, in key order. */
const opsKeys = (store: MemorySegmentStore) =>
  [...store.objects.keys()].filter((k) => k.startsWith('ops/')).sort();

/** A store with segments in the 11:00 hour: one per name, one op each (two for `pair`). */
function hourOf(...names: string[]): { store: MemorySegmentStore; keys: string[] } {
  const store = new MemorySegmentStore();
  const keys = names.map((name, i) => {
    const key = segmentKey(new Date(H11 + i * 1000), `w${i}`);
    const ops = name === 'pair' ? [op('pair-0'), op('pair-1')] : [op(name)];
    store.putRaw(key, encodeSegment(ops));
    return key;
  });
  return { store, keys };
}

/** The entries the compacted object of 11:00 holds. */
function compactedEntries(store: MemorySegmentStore): RingEntry[] {
  const body = store.objects.get(PART);
  if (!(body instanceof Uint8Array)) throw new Error('no compacted object');
  const decoded = gunzipCompacted(body);
  if ('error' in decoded) throw new Error(decoded.error);
  return decoded.entries;
}

describe('which hours a run compacts', () => {
  it('starts with the last hour that closed at least afterHours ago, newest first', () => {
    // 14:30 with 2 hours: 12:00–13:00 closed 1.5 h ago (too recent); 11:00–12:00 closed 2.5 h ago.
    expect(partitionsToCompact(NOW, 2, 3)).toEqual([
      'ops/2026/11/24/11/',
      'ops/2026/11/24/10/',
      'ops/2026/11/24/09/',
    ]);
  });

  it('takes an hour that closed exactly afterHours ago', () => {
    expect(partitionsToCompact(Date.UTC(2026, 10, 24, 14), 2, 1)).toEqual(['ops/2026/11/24/11/']);
  });
});

describe('compacting one hour', () => {
  it('merges the segments into one compacted object in log order, then deletes them', async () => {
    const { store, keys } = hourOf('a', 'pair', 'c');

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 3, ops: 4, written: true });
    expect(opsKeys(store)).toEqual([PART]);
    expect(compactedEntries(store).map((e) => [e.key, e.line, e.op.endpoint])).toEqual([
      [keys[0], 0, 'a'],
      [keys[1], 0, 'pair-0'],
      [keys[1], 1, 'pair-1'],
      [keys[2], 0, 'c'],
    ]);
  });

  it('does nothing to an hour that is already compacted', async () => {
    const { store } = hourOf('a', 'b');
    await compactPartition(store, P11);
    const before = new Map(store.objects);
    store.resetCalls();

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ partition: P11, status: 'clean', segments: 0 });
    expect(store.objects).toEqual(before);
    expect(store.calls).toMatchObject({ putObject: 0, deleteObjects: 0 });
  });

  it('after a crash between write and delete, only deletes (the object already holds them)', async () => {
    const { store, keys } = hourOf('a', 'b');
    const segments = new Map(store.objects);
    await compactPartition(store, P11);
    for (const [k, v] of segments) store.objects.set(k, v); // the deletes never happened
    store.resetCalls();

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 2, ops: 2, written: false });
    expect(store.calls.putObject).toBe(0);
    expect(opsKeys(store)).toEqual([PART]);
    expect(compactedEntries(store).map((e) => e.key)).toEqual(keys);
  });

  it('merges a segment that arrived after the hour was compacted into a rewrite', async () => {
    const { store, keys } = hourOf('a', 'b');
    await compactPartition(store, P11);
    const late = segmentKey(new Date(H11 + 500), 'late');
    store.putRaw(late, encodeSegment([op('late')]));

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 1, ops: 3, written: true });
    expect(compactedEntries(store).map((e) => e.key)).toEqual([keys[0], late, keys[1]]);
    expect(store.objects.has(late)).toBe(false);
  });

  it('leaves a segment with an unreadable line in place, and compacts the rest', async () => {
    const { store, keys } = hourOf('a', 'b');
    const broken = segmentKey(new Date(H11 + 5000), 'broken');
    store.putRaw(broken, `${JSON.stringify(op('ok'))}\nnot json\n`);
    captureLogs('warn');

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 2, leftAlone: [broken] });
    expect(opsKeys(store)).toEqual([broken, PART].sort());
    expect(compactedEntries(store).map((e) => e.key)).toEqual(keys);
  });

  it('deletes an empty segment with the others: it holds nothing to keep', async () => {
    const { store, keys } = hourOf('a');
    const empty = segmentKey(new Date(H11 + 5000), 'empty');
    store.putRaw(empty, '');

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 2, ops: 1, leftAlone: [] });
    expect(opsKeys(store)).toEqual([PART]);
    expect(compactedEntries(store).map((e) => e.key)).toEqual(keys);
  });

  it('touches nothing when the compacted object is damaged', async () => {
    const { store } = hourOf('a', 'b');
    store.putRaw(compactedKey(P11), Buffer.from('not gzip'));
    const before = opsObjects(store);
    captureLogs('error');

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/damaged/) });
    expect(opsObjects(store)).toEqual(before);
  });

  it('deletes nothing when another run rewrote the compacted object meanwhile', async () => {
    const { store, keys } = hourOf('a', 'b');
    await compactPartition(store, P11);
    store.putRaw(segmentKey(new Date(H11 + 9000), 'late'), encodeSegment([op('late')]));
    const put = store.putObject.bind(store);
    // Another run writes between this run's read and its conditional write.
    store.putObject = async (key, body, ifMatch) => {
      store.objects.set(key, gzipCompacted([{ key: keys[0] as string, line: 0, op: op('a') }]));
      return put(key, body, ifMatch);
    };
    captureLogs('error');

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'failed', error: expect.stringMatching(/changed/) });
    expect(store.calls.deleteObjects).toBe(1); // only the first run's
    expect(opsKeys(store)).toHaveLength(2);
  });

  it('keeps ops that carry their own _observer field exactly', async () => {
    const store = new MemorySegmentStore();
    const mine = op('mine', { _observer: 'client value', extra: [1, { x: null }] });
    const key = segmentKey(new Date(H11), 'w0');
    store.putRaw(key, encodeSegment([mine]));

    await compactPartition(store, P11);

    expect(compactedEntries(store)).toEqual([{ key, line: 0, op: mine }]);
  });
});

describe('a run over many hours', () => {
  it('compacts the eligible hours and leaves the recent ones', async () => {
    const store = new MemorySegmentStore();
    const put = (at: number, name: string) =>
      store.putRaw(segmentKey(new Date(at), name), encodeSegment([op(name)]));
    put(NOW - 5 * HOUR_MS, 'old1');
    put(NOW - 5 * HOUR_MS + 1, 'old2');
    put(H11 + 10, 'eleven');
    put(NOW - HOUR_MS, 'recent');
    put(NOW, 'now');

    const summary = await compactHours(store, { now: NOW, afterHours: 2, lookbackHours: 24 });

    expect(summary).toMatchObject({
      partitions: 24,
      compacted: 2,
      segments_deleted: 3,
      ops_compacted: 3,
      failed: [],
      stopped_early: false,
    });
    const old = hourPartition(new Date(NOW - 5 * HOUR_MS));
    expect(opsKeys(store)).toHaveLength(4);
    expect(opsKeys(store).filter((k) => k.includes('-part-'))).toEqual([
      partKey(old, partitionStart(old) as number),
      PART,
    ]);
  });

  it('stops before the next unit when time runs out', async () => {
    const { store } = hourOf('a');
    let checks = 0;

    const summary = await compactHours(store, {
      now: NOW,
      afterHours: 2,
      lookbackHours: 24,
      outOfTime: () => ++checks > 1,
    });

    // The hour's part ran; its seal did not.
    expect(summary).toMatchObject({
      partitions: 24,
      compacted: 0,
      segments_deleted: 1,
      stopped_early: true,
    });
    expect(opsKeys(store)).toEqual([PART]);
  });

  it('reports a failed hour and goes on with the others', async () => {
    const store = new MemorySegmentStore();
    store.putRaw(compactedKey(P11), Buffer.from('damaged'));
    store.putRaw(segmentKey(new Date(H11), 'a'), encodeSegment([op('a')]));
    store.putRaw(segmentKey(new Date(H11 - HOUR_MS), 'b'), encodeSegment([op('b')]));
    captureLogs('error');

    const summary = await compactHours(store, { now: NOW, afterHours: 2, lookbackHours: 2 });

    expect(summary.compacted).toBe(1);
    // Its part, and its seal (dispatched by the hour before, which reads it as a part).
    expect(summary.failed.map((f) => f.partition)).toEqual([P11, P11]);
    for (const f of summary.failed) expect(f.error).toMatch(/damaged/);
  });
});

describe('merging', () => {
  const e = (key: string, line: number, name: string): RingEntry => ({ key, line, op: op(name) });

  it("prefers a segment's own ops over the compacted copy, in log order", () => {
    const merged = mergeEntries(
      [e('a', 0, 'old-a'), e('c', 0, 'c')],
      [e('b', 0, 'b'), e('a', 0, 'a')],
    );

    expect(merged.map((x) => x.op.endpoint)).toEqual(['a', 'b', 'c']);
  });

  it('compares ops regardless of field order', () => {
    const a = { key: 'k', line: 0, op: { ...op('x'), z: 1, y: { b: 1, a: 2 } } };
    const b = { key: 'k', line: 0, op: { y: { a: 2, b: 1 }, z: 1, ...op('x') } };

    expect(sameEntries([a], [b])).toBe(true);
    expect(sameEntries([a], [{ ...b, line: 1 }])).toBe(false);
  });
});

describe('copies of a retried op', () => {
  it('keeps the first in log order and leaves out a later copy in the same hour', async () => {
    const store = new MemorySegmentStore();
    const first = segmentKey(new Date(H11 + 1000), 'a');
    const retry = segmentKey(new Date(H11 + 2000), 'b');
    store.putRaw(first, encodeSegment([op('x', { id: 'op-1' }), op('y')]));
    store.putRaw(retry, encodeSegment([op('x', { id: 'op-1', success: false })]));

    const result = await compactPartition(store, P11);

    expect(result).toMatchObject({ status: 'compacted', segments: 2, ops: 2 });
    expect(compactedEntries(store).map((e) => [e.key, e.line, e.op.endpoint])).toEqual([
      [first, 0, 'x'],
      [first, 1, 'y'],
    ]);
    expect(store.objects.has(retry)).toBe(false);
  });

  it('leaves out a copy the hour before already holds, compacted or not', async () => {
    const store = new MemorySegmentStore();
    store.putRaw(segmentKey(new Date(H11 - 1000), 'a'), encodeSegment([op('x', { id: 'op-1' })]));
    store.putRaw(segmentKey(new Date(H11 + 1000), 'b'), encodeSegment([op('x', { id: 'op-1' })]));
    store.putRaw(segmentKey(new Date(H11 + 2000), 'c'), encodeSegment([op('z', { id: 'op-2' })]));

    await compactPartition(store, P11);

    expect(compactedEntries(store).map((e) => e.op.id)).toEqual(['op-2']);
  });

  it('keeps ops without an id however alike they are', () => {
    const k = segmentKey(new Date(H11), 'a');
    const entries = [0, 1].map((line) => ({ key: k, line, op: op('same') }));

    expect(countedEntries(entries, [], new Map(), 600_000).counted).toHaveLength(2);
  });

  it('keeps a copy stored a retry window after the one before it: a new op by the rule', async () => {
    const store = new MemorySegmentStore();
    store.putRaw(segmentKey(new Date(H11 + 1000), 'a'), encodeSegment([op('x', { id: 'op-1' })]));
    store.putRaw(
      segmentKey(new Date(H11 + 20 * 60_000), 'b'),
      encodeSegment([op('x', { id: 'op-1' })]),
    );

    await compactPartition(store, P11, { retryWindowMs: 10 * 60_000 });

    expect(compactedEntries(store)).toHaveLength(2);
  });

  it('records each retry it drops, so a copy of the next hour within the window of one is a retry too', async () => {
    const store = new MemorySegmentStore();
    const minute = 60_000;
    const copies = [20, 55].map((m, i) => segmentKey(new Date(H11 + m * minute), `c${i}`));
    for (const k of copies) store.putRaw(k, encodeSegment([op('x', { id: 'op-1' })]));
    // 35 minutes after the first copy, 5 after the second: a retry of the second.
    const next = segmentKey(new Date(H11 + 60 * minute), 'n');
    store.putRaw(next, encodeSegment([op('x', { id: 'op-1' })]));
    const window = { retryWindowMs: 40 * minute };

    await compactPartition(store, P11, window);
    await compactPartition(store, hourPartition(new Date(H11 + HOUR_MS)), window);

    expect(compactedEntries(store).map((e) => e.key)).toEqual([copies[0]]);
    expect(JSON.parse(String(store.objects.get(droppedKeyOf(PART))))).toEqual({
      version: 1,
      dropped: [['op-1', copies[1], 0]],
    });
    const nextHour = hourPartition(new Date(H11 + HOUR_MS));
    const nextPart = partKey(nextHour, H11 + HOUR_MS);
    expect(replayObject(nextPart, store.objects.get(nextPart) ?? '')).toEqual([]);
    expect(JSON.parse(String(store.objects.get(droppedKeyOf(nextPart))))).toEqual({
      version: 1,
      dropped: [['op-1', next, 0]],
    });
  });
});
