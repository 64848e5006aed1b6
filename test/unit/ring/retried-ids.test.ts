import { describe, expect, it } from 'vitest';
import type { ObservedOp } from '../../../lib/domain/op';
import { compactPartition } from '../../../lib/lake/compaction';
import { Observer } from '../../../lib/ring/observer';
import { writeSnapshot } from '../../../lib/stats/writer';
import { gzipCompacted } from '../../../lib/storage/compacted-codec';
import { compactedKey, hourPartition, segmentKey } from '../../../lib/storage/keys';
import { replayObject } from '../../../lib/storage/replay';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { type SegmentStore, storeView } from '../../../lib/storage/store';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// One deterministic case for each way a retried op id (two stored copies of
// one op) was once counted differently by a container than by a recount of
// the bucket: of the copies of an id, the first in log order counts.

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const SKEW = 15_000;
const HOUR = 3_600_000;

/** An op named by its endpoint, with an id of the same name unless told otherwise. */
const named = (name: string, fields: Partial<ObservedOp> = {}) =>
  op(name, { id: name, source: 'mcp', ...fields });

/** Puts one segment holding `ops`, stamped `ms` after T0, as a writer whose PUT just finished. */
function land(store: MemorySegmentStore, ms: number, ops: ObservedOp[], unique = `w${ms}`) {
  const key = segmentKey(new Date(T0 + ms), unique.padEnd(10, '0'));
  store.putRaw(key, encodeSegment(ops));
  return key;
}

/** A container; `readConcurrency: 1` makes a cold start read exactly as far as it decides to. */
function container(
  store: SegmentStore,
  now: () => number,
  cap: number,
  readConcurrency?: number,
): Observer {
  return new Observer(store, {
    cap,
    skewMs: SKEW,
    coldStartHours: 168,
    now,
    ...(readConcurrency ? { readConcurrency } : {}),
  });
}

/** The endpoints of the ops a container's ring holds, oldest first. */
async function held(observer: Observer): Promise<string[]> {
  const { ring } = await observer.freshRing();
  return [...ring].map((e) => e.op.endpoint);
}

describe('a retried op id is counted as a recount of the bucket counts it', () => {
  it('a refresh lists a first copy that landed late, older than a full ring (1)', async () => {
    const store = new MemorySegmentStore();
    let now = T0;
    const a = container(store, () => now, 4);
    await a.load();
    // The first copy is stamped at +1 s, but its PUT finishes only after the retry's.
    const first = named('x', { source: 'langfuse' });
    for (const [i, name] of ['n1', 'n2', 'n3', 'n4'].entries())
      land(store, 2000 + i * 1000, [named(name)]);
    land(store, 6000, [named('x', { source: 'scenario', success: false })]);
    now = T0 + 7000;
    expect(await held(a)).toEqual(['n2', 'n3', 'n4', 'x']);

    land(store, 1000, [first]);
    now = T0 + 8000;

    expect(await held(a)).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(await held(container(store, () => now, 4))).toEqual(['n1', 'n2', 'n3', 'n4']);
  });

  it('an earlier copy older than a full ring takes no slot of the ring (2)', async () => {
    const store = new MemorySegmentStore();
    let now = T0;
    const a = container(store, () => now, 2);
    await a.load();
    land(store, 2000, [named('other')]);
    land(store, 3000, [named('x', { source: 'scenario' })]);
    land(store, 4000, [named('n1')]);
    now = T0 + 5000;
    expect(await held(a)).toEqual(['x', 'n1']);

    // The first copy of x lands late, stamped before everything the ring holds.
    land(store, 1000, [named('x', { source: 'langfuse' })]);
    now = T0 + 6000;

    expect(await held(a)).toEqual(['other', 'n1']);
    expect(await held(container(store, () => now, 2))).toEqual(['other', 'n1']);
  });

  it('a cold start by listing fills the ring with as many ops as a warm ring holds (3)', async () => {
    const store = new MemorySegmentStore();
    const names = Array.from({ length: 20 }, (_, i) => `o${String(i).padStart(2, '0')}`);
    names.forEach((name, i) => {
      land(store, 1000 + i * 100, [named(name)]);
    });
    // Four retries, the newest objects of all.
    for (const [i, name] of ['o16', 'o17', 'o18', 'o19'].entries()) {
      land(store, 5000 + i * 100, [named(name, { success: false })]);
    }
    const now = T0 + 10_000;

    const cold = await held(container(store, () => now, 20, 1));

    expect(cold).toEqual(names);
  });

  it('a cold start by listing does not count a retry whose first copy is older than the ring (4)', async () => {
    const store = new MemorySegmentStore();
    land(store, 1000, [named('x', { source: 'langfuse' })]);
    land(store, 2000, [named('m1')]);
    land(store, 3000, [named('m2')]);
    land(store, 4000, [named('x', { source: 'scenario', success: false })]);
    const now = T0 + 10_000;

    const cold = container(store, () => now, 3, 1);

    expect(await held(cold)).toEqual(['x', 'm1', 'm2']);
    expect((await cold.stats()).stats).toMatchObject({
      failures: 0,
      by_source: { langfuse: 1, mcp: 2 },
    });
  });

  it('a cold start from a checkpoint hours old keeps counting a retry once (5)', async () => {
    const store = new MemorySegmentStore();
    const hour = hourPartition(new Date(T0));
    // An hour of 10,001 other ops, then v..z, all compacted into the hour's object.
    const entries = [];
    for (let i = 0; i <= 10_000; i++) {
      const key = segmentKey(new Date(T0 + i * 300), `old${i}`.padEnd(10, '0'));
      entries.push({ key, line: 0, op: named(`old-${i}`) });
    }
    const tail = ['v', 'w', 'x', 'y', 'z'].map((name, i) => ({
      key: segmentKey(new Date(T0 + HOUR - 10_000 + i * 1000), `t${i}`.padEnd(10, '0')),
      line: 0,
      op: named(name),
    }));
    for (const e of tail) store.putRaw(e.key, encodeSegment([e.op]));
    // The checkpoint is written once the tail is in, at the end of the hour.
    await writeSnapshot(container(store, () => T0 + HOUR - 1000, 5));
    for (const e of tail) store.objects.delete(e.key);
    store.putRaw(compactedKey(hour), gzipCompacted([...entries, ...tail]));
    // A retry of z, a minute later (in the next hour), that the checkpoint's writer never saw.
    land(store, HOUR + 60_000, [named('z', { success: false })]);
    // Two hours on, a container starts from that checkpoint: its first refresh meets the
    // compacted hour, stamped after the checkpoint's listing.
    const now = T0 + 3 * HOUR + 10_000;

    const cold = container(store, () => now, 5);

    expect(await held(cold)).toEqual(['v', 'w', 'x', 'y', 'z']);
  });

  it('two compactions of adjacent hours at once keep an id once in the lake (6)', async () => {
    const store = new MemorySegmentStore();
    const first = hourPartition(new Date(T0));
    const next = hourPartition(new Date(T0 + HOUR));
    land(store, HOUR - 2000, [named('x')]);
    land(store, HOUR - 1000, [named('a')]);
    // Its retry, three seconds later, in the next hour.
    land(store, HOUR + 1000, [named('x')]);
    land(store, HOUR + 2000, [named('b')]);
    // The next hour's compaction lists the first hour; the first hour's own compaction
    // then writes its object and deletes its segments before the next one reads them.
    let armed = true;
    const racing = storeView(store, {
      getObject: async (key) => {
        if (armed && key.startsWith(first)) {
          armed = false;
          const result = await compactPartition(store, first);
          expect(result.status).toBe('compacted');
        }
        return store.getObject(key);
      },
    });

    await compactPartition(racing, next);

    const ids = [...store.objects.entries()]
      .filter(([key]) => key.startsWith('ops/'))
      .flatMap(([key, body]) => replayObject(key, body).map((e) => e.op.id));
    expect(ids.sort()).toEqual(['a', 'b', 'x']);
  });
});
