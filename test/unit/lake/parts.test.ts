import { describe, expect, it } from 'vitest';
import { lakeProblems, type WrittenCopy } from '../../../dev/sim/recount';
import type { ObservedOp } from '../../../lib/domain/op';
import { compactPartition, InlineQueue, runUnit } from '../../../lib/lake/compaction';
import { readManifest } from '../../../lib/lake/manifest';
import { compactPart } from '../../../lib/lake/part';
import { planHour } from '../../../lib/lake/plan';
import { sealHour } from '../../../lib/lake/seal';
import {
  type CompactionUnit,
  type Dispatcher,
  type PartUnit,
  settingsWith,
} from '../../../lib/lake/units';
import { gunzipCompacted } from '../../../lib/storage/compacted-codec';
import {
  droppedKeyOf,
  HOUR_MS,
  hourPartition,
  isCompactedKey,
  partKey,
  segmentKey,
} from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { storeView } from '../../../lib/storage/store';
import { dyingAt } from '../../support/dying-store';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// An hour compacted in parts: planned, each part merged by a unit of its
// own, then sealed: decided against the parts before it and the hour
// before. Each test recounts the lake against every copy written.

const H = Date.UTC(2026, 10, 24, 11);
const P = hourPartition(new Date(H));
const NEXT = hourPartition(new Date(H + HOUR_MS));
const WINDOW = 10 * 60_000;
const SETTINGS = settingsWith({ partSegments: 4, retryWindowMs: WINDOW, readConcurrency: 3 });

/** Units dispatched, kept for the test to run (or look at). */
class Recorder implements Dispatcher {
  readonly units: CompactionUnit[] = [];
  async dispatch(units: readonly CompactionUnit[]): Promise<void> {
    this.units.push(...units);
  }
}

/** A bucket and every copy written to it. */
function bucket() {
  const store = new MemorySegmentStore();
  const written: WrittenCopy[] = [];
  const write = (at: number, name: string, ops: ObservedOp[]) => {
    const key = segmentKey(new Date(at), name);
    store.putRaw(key, encodeSegment(ops));
    ops.forEach((o, line) => {
      written.push({ key, line, id: o.id });
    });
    return key;
  };
  return { store, written, write };
}

/** Ten one-op segments a minute apart from `from` (ids `x0`…), and a retry of x3 half a minute after it. */
function tenMinutes(b: ReturnType<typeof bucket>, from: number, tag: string) {
  const keys = Array.from({ length: 10 }, (_, i) =>
    b.write(from + i * 60_000, `${tag}${i}`, [op(`${tag}${i}`, { id: `${tag}-x${i}` })]),
  );
  b.write(from + 3.5 * 60_000, `${tag}r`, [op(`${tag}3`, { id: `${tag}-x3` })]);
  return keys;
}

const partsOfHour = (store: MemorySegmentStore, hour = P) =>
  [...store.objects.keys()].filter((k) => k.startsWith(hour) && isCompactedKey(k)).sort();

function idsIn(store: MemorySegmentStore, key: string): (string | undefined)[] {
  const decoded = gunzipCompacted(store.objects.get(key) as Uint8Array);
  if ('error' in decoded) throw new Error(decoded.error);
  return decoded.entries.map((e) => e.op.id);
}

/** Plans the hour and runs every unit to the end in this process, as workers would. */
async function compactAll(store: MemorySegmentStore, hour = P) {
  const queue = new InlineQueue();
  const step = await planHour(store, hour, false, SETTINGS);
  await queue.dispatch(step.units);
  const outcomes: Parameters<InlineQueue['drain']>[1] = [];
  await queue.drain((u) => runUnit(store, u, queue, SETTINGS), outcomes);
  return outcomes;
}

const done = async (store: MemorySegmentStore) => (await readManifest(store)).done;

describe('an hour compacted in parts', () => {
  it('writes each part as its own object holding its key range, then seals the hour', async () => {
    const b = bucket();
    tenMinutes(b, H + 60_000, 'a');

    const outcomes = await compactAll(b.store);

    // 11 segments, 4 a part: 11:01–11:04, 11:04:30 (the retry of x3)–11:07, 11:08–11:10.
    expect(partsOfHour(b.store)).toEqual([
      partKey(P, H),
      partKey(P, H + 4.5 * 60_000),
      partKey(P, H + 8 * 60_000),
    ]);
    expect(idsIn(b.store, partKey(P, H))).toEqual(['a-x0', 'a-x1', 'a-x2', 'a-x3']);
    expect(idsIn(b.store, partKey(P, H + 4.5 * 60_000))).toEqual(['a-x4', 'a-x5', 'a-x6']);
    expect([...b.store.objects.keys()].filter((k) => k.startsWith(P)).length).toBe(3);
    expect(outcomes.filter((o) => o.unit.kind === 'part')).toHaveLength(3);
    expect(await done(b.store)).toEqual(new Set([P]));
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P]))).toEqual([]);
  });

  it("drops a first copy that retries one of an earlier part, in its own part's record", async () => {
    const b = bucket();
    tenMinutes(b, H + 60_000, 'a');
    const dispatcher = new Recorder();
    const step = await planHour(b.store, P, false, SETTINGS);
    for (const unit of step.units)
      await compactPart(b.store, unit as PartUnit, dispatcher, SETTINGS);
    const second = partKey(P, H + 4.5 * 60_000);
    const retry = segmentKey(new Date(H + 4.5 * 60_000), 'ar');
    // Each part alone keeps the first copy of each id it holds: the retry of x3 is still counted.
    expect(idsIn(b.store, second)).toEqual(['a-x3', 'a-x4', 'a-x5', 'a-x6']);
    expect(dispatcher.units).toEqual([
      { kind: 'seal', partition: P },
      { kind: 'seal', partition: NEXT },
    ]);

    const sealed = await sealHour(b.store, P, dispatcher, SETTINGS);

    expect(sealed).toMatchObject({ status: 'sealed', parts: 3, rewritten: 1, ops: 10 });
    expect(idsIn(b.store, second)).toEqual(['a-x4', 'a-x5', 'a-x6']);
    expect(JSON.parse(String(b.store.objects.get(droppedKeyOf(second))))).toEqual({
      version: 1,
      dropped: [['a-x3', retry, 0]],
    });
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P]))).toEqual([]);
  });

  it('drops a first copy of the next hour that retries one of the last part of this hour', async () => {
    const b = bucket();
    tenMinutes(b, H + 50 * 60_000, 'a');
    b.write(H + HOUR_MS + 30_000, 'n0', [op('late retry', { id: 'a-x9' })]);
    b.write(H + HOUR_MS + 40_000, 'n1', [op('new', { id: 'n-1' })]);

    await compactAll(b.store);
    await compactAll(b.store, NEXT);

    expect(partsOfHour(b.store, NEXT).flatMap((k) => idsIn(b.store, k))).toEqual(['n-1']);
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P, NEXT]))).toEqual([]);
  });

  it('seals an hour only once every part of it, and of the hour before, is written', async () => {
    const b = bucket();
    tenMinutes(b, H + 55 * 60_000, 'a');
    tenMinutes(b, H + HOUR_MS, 'n');
    const recorder = new Recorder();
    const here = (await planHour(b.store, P, false, SETTINGS)).units as PartUnit[];
    const next = (await planHour(b.store, NEXT, false, SETTINGS)).units as PartUnit[];
    for (const unit of next) await compactPart(b.store, unit, recorder, SETTINGS);
    await compactPart(b.store, here[0] as PartUnit, recorder, SETTINGS);

    expect(await sealHour(b.store, P, recorder, SETTINGS)).toMatchObject({ status: 'waiting' });
    expect(await sealHour(b.store, NEXT, recorder, SETTINGS)).toMatchObject({
      status: 'waiting',
      waitingFor: 'the hour before',
    });

    for (const unit of here.slice(1)) await compactPart(b.store, unit, recorder, SETTINGS);
    expect(await sealHour(b.store, NEXT, recorder, SETTINGS)).toMatchObject({ status: 'sealed' });
    expect(await sealHour(b.store, P, recorder, SETTINGS)).toMatchObject({ status: 'sealed' });
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P, NEXT]))).toEqual([]);
  });

  it('dispatches the part of a segment that landed after its hour was sealed, and waits for it', async () => {
    const b = bucket();
    tenMinutes(b, H + 60_000, 'a');
    await compactAll(b.store);
    b.write(H + 5 * 60_000 + 1, 'late', [op('late', { id: 'a-x1' })]);
    const recorder = new Recorder();

    const sealed = await sealHour(b.store, P, recorder, SETTINGS);

    expect(sealed).toMatchObject({ status: 'waiting', waitingFor: '1 late segments' });
    expect(recorder.units).toMatchObject([{ kind: 'part', partition: P, index: 1 }]);
    await compactAll(b.store);
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P]))).toEqual([]);
  });

  it('writes an empty part for a range of unreadable segments, leaves them, and seals the hour', async () => {
    const b = bucket();
    b.write(H + 60_000, 'ok', [op('ok', { id: 'ok' })]);
    const broken = segmentKey(new Date(H + 40 * 60_000), 'broken');
    b.store.putRaw(broken, 'not json\n');
    captureLogs('warn');

    const outcomes = await compactAll(b.store);

    expect(partsOfHour(b.store)).toHaveLength(1);
    expect(b.store.objects.has(broken)).toBe(true);
    expect(outcomes.map((o) => ('result' in o ? o.result.kind : o.error))).toEqual([
      'part',
      'seal',
      'seal',
    ]);
    expect(await done(b.store)).toEqual(new Set([P]));
  });
});

describe('a worker killed mid-part', () => {
  it('loses and doubles nothing wherever it dies, and the unit run again finishes the job', async () => {
    const clean = bucket();
    tenMinutes(clean, H + 60_000, 'a');
    const unit = (
      (await planHour(clean.store, P, false, SETTINGS)).units as PartUnit[]
    )[1] as PartUnit;
    const probe = dyingAt(Number.POSITIVE_INFINITY, clean.store);
    await compactPart(probe, unit, new Recorder(), SETTINGS);
    expect(probe.calls).toBeGreaterThan(8);

    for (let n = 1; n <= probe.calls; n++) {
      const b = bucket();
      tenMinutes(b, H + 60_000, 'a');
      const units = (await planHour(b.store, P, false, SETTINGS)).units as PartUnit[];

      await expect(
        compactPart(dyingAt(n, b.store), units[1] as PartUnit, new Recorder(), SETTINGS),
      ).rejects.toThrow(/died/);
      expect({ n, problems: lakeProblems(b.store, b.written, WINDOW) }).toEqual({
        n,
        problems: [],
      });

      // The queue delivers it again; the hour's other parts and its seal run as they would.
      const outcomes = await compactAll(b.store);
      expect(outcomes.every((o) => 'result' in o)).toBe(true);
      expect({ n, problems: lakeProblems(b.store, b.written, WINDOW, new Set([P])) }).toEqual({
        n,
        problems: [],
      });
    }
  });

  it('the seal killed anywhere leaves a state a second seal finishes', async () => {
    const probeBucket = bucket();
    tenMinutes(probeBucket, H + 60_000, 'a');
    const parts = (await planHour(probeBucket.store, P, false, SETTINGS)).units as PartUnit[];
    for (const u of parts) await compactPart(probeBucket.store, u, new Recorder(), SETTINGS);
    const probe = dyingAt(Number.POSITIVE_INFINITY, probeBucket.store);
    await sealHour(probe, P, new Recorder(), SETTINGS);

    for (let n = 1; n <= probe.calls; n++) {
      const b = bucket();
      tenMinutes(b, H + 60_000, 'a');
      const units = (await planHour(b.store, P, false, SETTINGS)).units as PartUnit[];
      for (const u of units) await compactPart(b.store, u, new Recorder(), SETTINGS);

      await expect(sealHour(dyingAt(n, b.store), P, new Recorder(), SETTINGS)).rejects.toThrow(
        /died/,
      );
      expect(lakeProblems(b.store, b.written, WINDOW)).toEqual([]);

      expect(await sealHour(b.store, P, new Recorder(), SETTINGS)).toMatchObject({
        status: 'sealed',
      });
      expect({ n, problems: lakeProblems(b.store, b.written, WINDOW, new Set([P])) }).toEqual({
        n,
        problems: [],
      });
    }
  });
});

describe('two workers on one part', () => {
  it('at every await point of one, the other run whole in between: nothing lost or doubled', async () => {
    const probeBucket = bucket();
    tenMinutes(probeBucket, H + 60_000, 'a');
    const probeUnit = (
      (await planHour(probeBucket.store, P, false, SETTINGS)).units as PartUnit[]
    )[1];
    const probe = dyingAt(Number.POSITIVE_INFINITY, probeBucket.store);
    await compactPart(probe, probeUnit as PartUnit, new Recorder(), SETTINGS);

    for (let at = 1; at <= probe.calls; at++) {
      const b = bucket();
      tenMinutes(b, H + 60_000, 'a');
      const unit = (
        (await planHour(b.store, P, false, SETTINGS)).units as PartUnit[]
      )[1] as PartUnit;
      let calls = 0;
      const rival = async <T>(call: () => Promise<T>): Promise<T> => {
        if (++calls === at) await compactPart(b.store, unit, new Recorder(), SETTINGS);
        return call();
      };
      const racing = storeView(b.store, {
        list: async function* (prefix, startAfter) {
          yield* await rival(async () => b.store.list(prefix, startAfter));
        },
        getObject: (key) => rival(() => b.store.getObject(key)),
        putObject: (key, body, ifMatch) => rival(() => b.store.putObject(key, body, ifMatch)),
        deleteObjects: (keys) => rival(() => b.store.deleteObjects(keys)),
      });

      // The worker that lost the race fails on a conditional write, or finds the work done.
      await compactPart(racing, unit, new Recorder(), SETTINGS).catch((err: Error) => {
        expect(err.message).toMatch(/changed since it was read/);
      });
      expect({ at, problems: lakeProblems(b.store, b.written, WINDOW) }).toEqual({
        at,
        problems: [],
      });

      await compactAll(b.store);
      expect({ at, problems: lakeProblems(b.store, b.written, WINDOW, new Set([P])) }).toEqual({
        at,
        problems: [],
      });
    }
  });
});

describe('compacting one hour in this process', () => {
  it('plans, runs every part and seals the hour, reading the hour before in whatever form it is', async () => {
    const b = bucket();
    tenMinutes(b, H - 12 * 60_000, 'p');
    tenMinutes(b, H + 60_000, 'a');
    // A retry of the last op of the hour before, three and a half minutes later.
    b.write(H + 30_000, 'r', [op('retry', { id: 'p-x9' })]);

    const result = await compactPartition(b.store, P, SETTINGS);

    expect(result).toMatchObject({ status: 'compacted', sealed: true, segments: 12, ops: 10 });
    expect(lakeProblems(b.store, b.written, WINDOW, new Set([P]))).toEqual([]);
  });
});
