import { describe, expect, it } from 'vitest';
import { MANIFEST_KEY, markDone, readManifest } from '../../../lib/lake/manifest';
import { cutPlan, partitionsToCompact, planRun } from '../../../lib/lake/plan';
import { planKey, readPlan, writePlan } from '../../../lib/lake/plan-doc';
import { type CompactionUnit, type Dispatcher, settingsWith } from '../../../lib/lake/units';
import {
  compactedKey,
  HOUR_MS,
  hourPartition,
  partKey,
  segmentKey,
} from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { storeView } from '../../../lib/storage/store';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// Planning: which hours a run looks at, how an hour is cut into parts, and
// what is dispatched; the manifest that spares the listing of done hours.

const H11 = Date.UTC(2026, 10, 24, 11);
const P11 = hourPartition(new Date(H11));
const NOW = Date.UTC(2026, 10, 24, 14, 30);
const SETTINGS = settingsWith({ partSegments: 3, partBytes: 1000 });

class Recorder implements Dispatcher {
  readonly units: CompactionUnit[] = [];
  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    this.units.push(...units);
  }
}

const sized = (ms: number, name: string, size = 100) => ({
  key: segmentKey(new Date(ms), name),
  size,
});

describe('which hours a run looks at', () => {
  it('with afterHours 0, every closed hour, once a settling minute has passed since its end', () => {
    expect(partitionsToCompact(Date.UTC(2026, 10, 24, 14, 0, 30), 0, 2)).toEqual([
      'ops/2026/11/24/12/',
      'ops/2026/11/24/11/',
    ]);
    expect(partitionsToCompact(Date.UTC(2026, 10, 24, 14, 1), 0, 2)).toEqual([
      'ops/2026/11/24/13/',
      'ops/2026/11/24/12/',
    ]);
  });
});

describe('cutting an hour into parts', () => {
  it('closes a part at partSegments segments; the first part starts with the hour', () => {
    const listed = [1, 2, 3, 4, 5, 6, 7].map((m) => sized(H11 + m * 60_000, `s${m}`));

    expect(cutPlan(P11, listed, SETTINGS)).toEqual({
      partition: P11,
      starts: [H11, H11 + 4 * 60_000, H11 + 7 * 60_000],
      whole: false,
    });
  });

  it('closes a part before it would pass partBytes', () => {
    const listed = [sized(H11 + 1, 'a', 600), sized(H11 + 2, 'b', 300), sized(H11 + 3, 'c', 200)];

    expect(cutPlan(P11, listed, SETTINGS).starts).toEqual([H11, H11 + 3]);
  });

  it('never cuts between segments of one millisecond: a part starts at a millisecond', () => {
    const listed = ['a', 'b', 'c', 'd', 'e'].map((name) => sized(H11 + 5, name));

    expect(cutPlan(P11, [...listed, sized(H11 + 6, 'f')], SETTINGS).starts).toEqual([H11, H11 + 6]);
  });

  it('keeps the parts already written, and keeps an hour compacted whole by an earlier version whole', () => {
    const parts = [partKey(P11, H11), partKey(P11, H11 + 9)].map((key) => ({ key, size: 1 }));
    const late = sized(H11 + 20, 'late');

    expect(cutPlan(P11, [late, ...parts], SETTINGS).starts).toEqual([H11, H11 + 9]);
    expect(cutPlan(P11, [late, { key: compactedKey(P11), size: 1 }], SETTINGS)).toEqual({
      partition: P11,
      starts: [H11],
      whole: true,
    });
  });

  it('is written once: a second planner at the same time takes the first plan', async () => {
    const store = new MemorySegmentStore();
    const first = { partition: P11, starts: [H11, H11 + 5], whole: false };

    const [a, b] = await Promise.all([
      writePlan(store, first),
      writePlan(store, { ...first, starts: [H11, H11 + 7] }),
    ]);

    expect(a).toEqual(first);
    expect(b).toEqual(first);
    expect(await readPlan(store, P11)).toEqual(first);
  });

  it('refuses a damaged plan rather than cut the hour again', async () => {
    const store = new MemorySegmentStore();
    store.putRaw(
      planKey(P11),
      JSON.stringify({ version: 1, partition: P11, starts: [H11 + 1], whole: false }),
    );

    await expect(readPlan(store, P11)).rejects.toThrow(/damaged/);
  });
});

/** A store with `n` one-op segments a minute apart in the hour `back` hours before 14:00. */
function withSegments(n: number, back: number, store = new MemorySegmentStore()) {
  const start = Date.UTC(2026, 10, 24, 14) - back * HOUR_MS;
  for (let i = 0; i < n; i++) {
    store.putRaw(
      segmentKey(new Date(start + i * 60_000), `b${back}n${i}`),
      encodeSegment([op(`e${i}`)]),
    );
  }
  return store;
}

describe('a planning run', () => {
  it('plans each closed hour with segments and dispatches one unit per part; an empty hour is done', async () => {
    const store = withSegments(7, 3);
    const recorder = new Recorder();

    const summary = await planRun(
      store,
      recorder,
      { now: NOW, afterHours: 2, lookbackHours: 3 },
      SETTINGS,
    );

    expect(recorder.units).toEqual(
      [0, 1, 2].map((index) => ({
        kind: 'part',
        partition: P11,
        starts: [H11, H11 + 3 * 60_000, H11 + 6 * 60_000],
        index,
        whole: false,
      })),
    );
    expect(summary).toMatchObject({
      hours: 3,
      looked_at: 3,
      planned: 1,
      parts_dispatched: 3,
      done: 2,
    });
    expect((await readManifest(store)).done).toEqual(
      new Set(['ops/2026/11/24/10/', 'ops/2026/11/24/09/']),
    );
    // 11:00 closed at 12:00, 2.5 hours before 14:30; nothing older is pending.
    expect(summary.oldest_pending_age_s).toBe(2.5 * 3600);
  });

  it('cuts the same parts from a listing taken one key a page as from one page', async () => {
    const store = withSegments(7, 3);
    const paged = storeView(store, {
      listSized: async function* (prefix, startAfter) {
        for await (const page of store.listSized(prefix, startAfter)) {
          for (const item of page) yield [item];
        }
      },
    });
    const recorder = new Recorder();

    await planRun(paged, recorder, { now: NOW, afterHours: 2, lookbackHours: 1 }, SETTINGS);

    expect(await readPlan(store, P11)).toEqual({
      partition: P11,
      starts: [H11, H11 + 3 * 60_000, H11 + 6 * 60_000],
      whole: false,
    });
    expect(recorder.units).toHaveLength(3);
  });

  it('dispatches the parts not written yet, then the seal once all are', async () => {
    const store = withSegments(7, 3);
    await planRun(store, new Recorder(), { now: NOW, afterHours: 2, lookbackHours: 1 }, SETTINGS);
    store.putRaw(partKey(P11, H11), 'written');
    const again = new Recorder();

    await planRun(store, again, { now: NOW, afterHours: 2, lookbackHours: 1 }, SETTINGS);
    store.putRaw(partKey(P11, H11 + 3 * 60_000), 'written');
    store.putRaw(partKey(P11, H11 + 6 * 60_000), 'written');
    const last = new Recorder();
    await planRun(store, last, { now: NOW, afterHours: 2, lookbackHours: 1 }, SETTINGS);

    expect(again.units.map((u) => (u.kind === 'part' ? u.index : u.kind))).toEqual([1, 2]);
    expect(last.units).toEqual([{ kind: 'seal', partition: P11 }]);
  });

  it('lists no hour the manifest says is done but the oldest, which leaves the window after it', async () => {
    const store = new MemorySegmentStore();
    const hours = Array.from({ length: 48 }, (_, i) =>
      hourPartition(new Date(NOW - (i + 1) * HOUR_MS)),
    );
    for (const h of hours) await markDone(store, h);
    store.resetCalls();

    const summary = await planRun(
      store,
      new Recorder(),
      { now: NOW, afterHours: 0, lookbackHours: 48 },
      SETTINGS,
    );

    expect(summary).toMatchObject({ hours: 48, looked_at: 1, done: 48, oldest_pending_age_s: 0 });
    expect(store.calls.list + store.calls.listSized).toBe(1);
    // The manifest, and the oldest hour's plan looked for: no write, since nothing changed.
    expect(store.calls).toMatchObject({ getObject: 2, getDocument: 1, putObject: 0 });
  });

  it('forgets the hours that left the window, and reports the age of the oldest closed hour not done', async () => {
    const store = new MemorySegmentStore();
    await markDone(store, 'ops/2026/10/01/00/');
    withSegments(2, 2, store);

    const summary = await planRun(
      store,
      new Recorder(),
      { now: NOW, afterHours: 0, lookbackHours: 4 },
      SETTINGS,
    );

    const { done } = await readManifest(store);
    expect(done.has('ops/2026/10/01/00/')).toBe(false);
    expect([...done].sort()).toEqual([
      'ops/2026/11/24/10/',
      'ops/2026/11/24/11/',
      'ops/2026/11/24/13/',
    ]);
    // 12:00–13:00 has segments and is being compacted: it closed 1.5 hours ago.
    expect(summary.oldest_pending_age_s).toBe(1.5 * 3600);
  });
});

describe('the manifest', () => {
  it('keeps the hours of two runs that write it at once', async () => {
    const store = new MemorySegmentStore();

    await Promise.all([markDone(store, P11), markDone(store, 'ops/2026/11/24/12/')]);

    expect((await readManifest(store)).done).toEqual(new Set([P11, 'ops/2026/11/24/12/']));
  });

  it('read as empty when damaged: every hour is looked at again', async () => {
    const store = new MemorySegmentStore();
    store.putRaw(MANIFEST_KEY, '{"version":1,"done":["nope"]}');

    expect((await readManifest(store)).done).toEqual(new Set());
  });
});
