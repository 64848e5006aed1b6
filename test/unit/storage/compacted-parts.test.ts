import { describe, expect, it } from 'vitest';
import { compactedObjects, holderOf, inLogOrder } from '../../../lib/storage/compacted-parts';
import {
  compactedFloor,
  compactedFrom,
  compactedKey,
  droppedKeyOf,
  floorTime,
  isCompactedKey,
  isSegmentKey,
  keyFloor,
  keyTime,
  partKey,
  retriesKey,
  segmentKey,
} from '../../../lib/storage/keys';
import { MemorySegmentStore } from '../../support/memory-store';

const HOUR = 'ops/2026/11/24/21/';
const H21 = Date.UTC(2026, 10, 24, 21);
const at = (minute: number, ms = 0) => H21 + minute * 60_000 + ms;
const seg = (minute: number, unique = 'a1', ms = 0) => segmentKey(new Date(at(minute, ms)), unique);

describe('the key of a part of a compacted hour', () => {
  it('is stamped with the last millisecond of the hour, then names where its range begins', () => {
    expect(partKey(HOUR, at(20, 5))).toBe(
      'ops/2026/11/24/21/20261124T215959999Z-part-20261124T212000005Z.jsonl.gz',
    );
  });

  it('sorts after every segment of its hour (whatever its unique suffix) and before the next hour', () => {
    const last = segmentKey(new Date(at(59, 59_999)), 'ffffffffff00000z');
    const next = segmentKey(new Date(H21 + 3_600_000), '0');
    const parts = [partKey(HOUR, at(30)), partKey(HOUR, H21)];

    expect([next, ...parts, last, seg(10)].sort()).toEqual([
      seg(10),
      last,
      ...parts.reverse(),
      next,
    ]);
  });

  it('is a segment-layout key (listings return it) and a compacted key, with its range start', () => {
    const key = partKey(HOUR, at(30));

    expect(isSegmentKey(key)).toBe(true);
    expect(isCompactedKey(key)).toBe(true);
    expect(compactedFrom(key)).toBe(at(30));
    expect(keyTime(key)).toBe(at(59, 59_999));
    expect(compactedFrom(compactedKey(HOUR))).toBe(H21);
    expect(compactedFrom(seg(3))).toBeUndefined();
    expect(isCompactedKey(`${HOUR}20261124T215959999Z-part-2026.jsonl.gz`)).toBe(false);
  });

  it('refuses a start outside its hour', () => {
    expect(() => partKey(HOUR, H21 - 1)).toThrow(RangeError);
    expect(() => partKey(HOUR, H21 + 3_600_000)).toThrow(RangeError);
    expect(() => partKey('ops/2026/11/24/', H21)).toThrow(RangeError);
  });

  it("has its own document of dropped retries; a whole compacted hour keeps the hour's", () => {
    expect(droppedKeyOf(partKey(HOUR, at(30)))).toBe(
      'lake/retries/2026/11/24/21/20261124T213000000Z.json',
    );
    expect(droppedKeyOf(compactedKey(HOUR))).toBe(retriesKey(HOUR));
  });

  it('lists from a floor that only compacted objects and last-millisecond segments sort after', () => {
    expect(compactedFloor(HOUR) < partKey(HOUR, H21)).toBe(true);
    expect(compactedFloor(HOUR) < compactedKey(HOUR)).toBe(true);
    expect(compactedFloor(HOUR) > seg(59, 'zzzz', 59_998)).toBe(true);
    expect(floorTime(keyFloor(at(7, 3)))).toBe(at(7, 3));
    expect(floorTime(seg(7))).toBeUndefined();
  });
});

describe('the compacted object holding a segment', () => {
  const parts = [partKey(HOUR, H21), partKey(HOUR, at(20)), partKey(HOUR, at(40, 1))];

  it('is the last part to begin at or before the segment', () => {
    expect(holderOf(parts, seg(0))).toBe(parts[0]);
    expect(holderOf(parts, seg(19, 'z', 59_999))).toBe(parts[0]);
    expect(holderOf(parts, seg(20))).toBe(parts[1]);
    expect(holderOf(parts, seg(40))).toBe(parts[1]);
    expect(holderOf(parts, seg(40, 'a', 1))).toBe(parts[2]);
    expect(holderOf(parts, seg(59, 'a', 59_999))).toBe(parts[2]);
  });

  it('is the whole compacted hour where one holds it, and none where no object begins early enough', () => {
    expect(holderOf([compactedKey(HOUR)], seg(33))).toBe(compactedKey(HOUR));
    expect(holderOf(parts.slice(1), seg(3))).toBeUndefined();
  });

  it('is found with one listing of the hour that returns its compacted objects alone', async () => {
    const store = new MemorySegmentStore();
    for (const k of [...parts, seg(5), seg(59, 'e', 59_999)]) store.putRaw(k, '');

    expect(await compactedObjects(store, HOUR)).toEqual(parts);
    expect(store.calls.list).toBe(1);
  });
});

describe('keys in log order', () => {
  it('puts each part after the segments of its range and before those of the next part', () => {
    const p0 = partKey(HOUR, H21);
    const p1 = partKey(HOUR, at(20));
    const keys = [seg(5), seg(25), p0, p1].sort();

    expect(inLogOrder(keys)).toEqual([
      { key: seg(5), at: seg(5) },
      { key: p0, at: keyFloor(at(20)) },
      { key: seg(25), at: seg(25) },
      { key: p1, at: p1 },
    ]);
  });

  it('leaves a whole compacted hour after every segment of its hour, as before', () => {
    const next = segmentKey(new Date(H21 + 3_600_000), 'b');
    const keys = [seg(5), seg(50), compactedKey(HOUR), next].sort();

    expect(inLogOrder(keys).map((k) => k.key)).toEqual(keys);
  });
});
