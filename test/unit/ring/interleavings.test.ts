import { describe, expect, it } from 'vitest';
import { compareEntries, type RingEntry } from '../../../lib/domain/entry';
import { compactPartition } from '../../../lib/lake/compaction';
import { Observer } from '../../../lib/ring/observer';
import { Ring, type Stats } from '../../../lib/ring/ring';
import { writeSnapshot } from '../../../lib/stats/writer';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { hourPartition, isCompactedKey, partKey, segmentKey } from '../../../lib/storage/keys';
import { replayObject } from '../../../lib/storage/replay';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { type SegmentStore, storeView } from '../../../lib/storage/store';
import { MemorySegmentStore } from '../../support/memory-store';
import { nthOp, op } from '../../support/ops';

// Deterministic interleavings: a hook runs before each store call an
// observer makes (each await point), and injects another actor's steps
// there. Every case ends by comparing the container's stats with a
// recount of what the store holds.

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const SKEW = 15_000;
const CAP = 50;

/** The stats a ring of `cap` built from every stored op would give: first copies, log order. */
function recount(store: MemorySegmentStore, cap = CAP): Stats {
  const byOrigin = new Map<string, RingEntry>();
  for (const [key, body] of store.objects) {
    if (!key.startsWith('ops/')) continue;
    for (const e of replayObject(key, body)) byOrigin.set(`${e.key}#${e.line}`, e);
  }
  const ring = new Ring(cap);
  const ids = new Set<string>();
  for (const e of [...byOrigin.values()].sort(compareEntries)) {
    if (e.op.id !== undefined) {
      if (ids.has(e.op.id)) continue;
      ids.add(e.op.id);
    }
    ring.insert(e);
  }
  return ring.stats();
}

/** The store as an observer sees it, with `before()` run before each of its calls. */
function hooked(store: SegmentStore, before: () => Promise<void>): SegmentStore {
  const after = async <T>(call: () => Promise<T>): Promise<T> => {
    await before();
    return call();
  };
  return storeView(store, {
    append: (ops, at) => after(() => store.append(ops, at)),
    list: async function* (prefix, startAfter) {
      await before();
      yield* store.list(prefix, startAfter);
    },
    read: (key) => after(() => store.read(key)),
    getDocument: (key) => after(() => store.getDocument(key)),
  });
}

function observer(store: SegmentStore, now: () => number): Observer {
  return new Observer(store, { cap: CAP, skewMs: SKEW, coldStartHours: 168, now });
}

/**
 * Compaction of the 09:00 hour, stopped after writing its objects, or run
 * to the end; whole, or in parts of at most 5 segments (3 parts).
 */
async function compact(
  store: MemorySegmentStore,
  through: 'written' | 'deleted',
  partSegments?: number,
): Promise<void> {
  const view =
    through === 'written' ? storeView(store, { deleteObjects: async () => undefined }) : store;
  const result = await compactPartition(view, hourPartition(new Date(T0)), { partSegments });
  expect(result.status).toBe('compacted');
}

/** An hour of segments written from 09:00:10 on, two of them retries of an earlier op. */
function seedHour(store: MemorySegmentStore): void {
  for (let i = 0; i < 12; i++) {
    const at = new Date(T0 + 10_000 + i * 1000);
    const ops = [nthOp(i, { id: `id-${i}` }), nthOp(100 + i)];
    store.putRaw(segmentKey(at, `w${i}`), encodeSegment(ops));
  }
  for (const i of [3, 7]) {
    const at = new Date(T0 + 40_000 + i * 1000);
    store.putRaw(segmentKey(at, `r${i}`), encodeSegment([nthOp(i, { id: `id-${i}` })]));
  }
}

const LATER = T0 + 3 * HOUR; // the hour is closed and due for compaction

/** Each way a container comes to read the hour while compaction runs. */
const READERS = {
  'a refresh of an idle container': { warm: true, checkpoint: false },
  'a cold start by listing': { warm: false, checkpoint: false },
  'a cold start from a checkpoint older than the hour': { warm: false, checkpoint: true },
};

/**
 * A container reads the hour at LATER (loaded at T0 and idle since, or
 * starting cold); compaction of the hour, through `inject.through`, runs
 * just before the container's `inject.at`-th store call. Returns the
 * container's stats after one more refresh, and how many calls it made.
 */
async function race(
  reader: { warm: boolean; checkpoint: boolean },
  inject?: { at: number; through: 'written' | 'deleted'; partSegments?: number },
): Promise<{ stats: Stats; calls: number; store: MemorySegmentStore }> {
  const store = new MemorySegmentStore();
  let now = T0;
  let armed = false;
  let calls = 0;
  const view = hooked(store, async () => {
    if (!armed) return;
    calls++;
    if (calls === inject?.at) await compact(store, inject.through, inject.partSegments);
  });
  if (reader.checkpoint) await writeSnapshot(observer(store, () => T0));
  const container = observer(view, () => now);
  if (reader.warm) await container.load();
  seedHour(store);
  now = LATER;
  armed = true;
  await (reader.warm ? container.refresh() : container.load());
  armed = false;
  now += 1000;
  const { stats } = await container.stats();
  return { stats, calls, store };
}

describe('compaction racing a reader', () => {
  for (const [name, reader] of Object.entries(READERS)) {
    it(`${name} counts what is stored, whichever compaction step (whole or in parts) lands at whichever await point`, async () => {
      const { calls: points } = await race(reader);
      expect(points).toBeGreaterThan(2);
      for (const partSegments of [undefined, 5]) {
        for (const through of ['written', 'deleted'] as const) {
          for (let at = 1; at <= points; at++) {
            const { stats, store } = await race(reader, { at, through, partSegments });
            const parts = [...store.objects.keys()].filter(isCompactedKey);

            expect(parts).toHaveLength(partSegments ? 3 : 1);
            expect({ through, at, stats }).toEqual({ through, at, stats: recount(store) });
          }
        }
      }
    });
  }
});

describe('two writers of the same op id', () => {
  type Fault = 'none' | 'refused' | 'landed-unanswered';

  /** A store whose append fails as `fault` says, for one writer. */
  function faulty(store: MemorySegmentStore, fault: Fault): SegmentStore {
    return storeView(store, {
      append: async (ops, at) => {
        if (fault === 'refused') {
          throw new StoreUnavailableError('refused', { outcome: 'not-recorded' });
        }
        const key = await store.append(ops, at);
        if (fault === 'landed-unanswered') {
          throw new StoreUnavailableError(`no answer for ${key}`, { outcome: 'unknown' });
        }
        return key;
      },
    });
  }

  const FAULTS: Fault[] = ['none', 'refused', 'landed-unanswered'];
  const cases = FAULTS.flatMap((a) =>
    FAULTS.flatMap((b) => ['a-first', 'b-first', 'together'].map((order) => ({ a, b, order }))),
  );

  it.each(cases)(
    'store it once after compaction and count it once everywhere ($a, $b, $order)',
    async ({ a, b, order }) => {
      const store = new MemorySegmentStore();
      let now = T0 + 10_000;
      const clock = () => now;
      const writerA = observer(faulty(store, a), clock);
      const writerB = observer(faulty(store, b), clock);
      const reader = observer(store, clock);
      await Promise.all([writerA.load(), writerB.load(), reader.load()]);
      const retried = op('tools/call', { id: 'op-x' });
      const send = (w: Observer) => w.record([retried], new Date(now)).catch(() => undefined);
      if (order === 'a-first') {
        await send(writerA);
        now += 5;
        await send(writerB);
      } else if (order === 'b-first') {
        await send(writerB);
        now += 5;
        await send(writerA);
      } else {
        await Promise.all([send(writerA), send(writerB)]);
      }
      // A retry of the same op to writer A, as a client whose request failed would send.
      now += 5;
      await send(writerA);
      now += SKEW;

      const expected = recount(store);
      for (const container of [writerA, writerB, reader, observer(store, clock)]) {
        expect((await container.stats()).stats).toEqual(expected);
      }
      const copies = [...store.objects.keys()].filter((k) => k.startsWith('ops/')).length;
      expect(expected.total).toBe(copies === 0 ? 0 : 1);

      await compactPartition(store, hourPartition(new Date(T0)));
      const stored = [...store.objects.keys()].filter((k) => k.startsWith('ops/'));
      if (copies > 0) {
        expect(stored).toEqual([partKey(hourPartition(new Date(T0)), T0)]);
        expect(stored.every(isCompactedKey)).toBe(true);
        const lines = replayObject(
          stored[0] as string,
          store.objects.get(stored[0] as string) ?? '',
        );
        expect(lines.map((e) => e.op.id)).toEqual(['op-x']);
      }
      now += HOUR;
      for (const container of [writerA, writerB, reader, observer(store, clock)]) {
        expect((await container.stats()).stats).toEqual(recount(store));
      }
    },
  );
});
