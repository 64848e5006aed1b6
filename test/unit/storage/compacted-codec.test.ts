import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../lib/domain/entry';
import type { ObservedOp } from '../../../lib/domain/op';
import {
  decodeCompacted,
  encodeCompacted,
  gunzipCompacted,
  gzipCompacted,
} from '../../../lib/storage/compacted-codec';
import {
  compactedKey,
  hourPartition,
  isCompactedKey,
  isSegmentKey,
  keyTime,
  partitionStart,
  segmentKey,
} from '../../../lib/storage/keys';
import { nthOp } from '../../support/ops';

const AT = new Date('2026-11-24T21:15:03.123Z');

const entry = (unique: string, line: number, o: ObservedOp): RingEntry => ({
  key: segmentKey(AT, unique),
  line,
  op: o,
});

describe('the compacted key', () => {
  it('is stamped with the last millisecond of its hour', () => {
    expect(compactedKey('ops/2026/11/24/21/')).toBe(
      'ops/2026/11/24/21/20261124T215959999Z-compacted.jsonl.gz',
    );
  });

  it('sorts after every segment of its hour and before every segment of the next', () => {
    const key = compactedKey(hourPartition(AT));
    const lastOfHour = segmentKey(new Date('2026-11-24T21:59:59.999Z'), 'zzzzzzzzzzzzzzzz');
    const firstOfNext = segmentKey(new Date('2026-11-24T22:00:00.000Z'), '0');

    expect([firstOfNext, key, lastOfHour, segmentKey(AT, 'a')].sort()).toEqual([
      segmentKey(AT, 'a'),
      key,
      lastOfHour,
      firstOfNext,
    ]);
  });

  it('is a segment key (listings return it) and a compacted key; a segment is not', () => {
    const key = compactedKey('ops/2026/11/24/21/');

    expect(isSegmentKey(key)).toBe(true);
    expect(isCompactedKey(key)).toBe(true);
    expect(isCompactedKey(segmentKey(AT, 'abc'))).toBe(false);
    expect(isCompactedKey('ops/2026/11/24/21/20261124T215959999Z-compacted.jsonl')).toBe(false);
  });

  it('carries the time of the end of its hour', () => {
    expect(keyTime(compactedKey('ops/2026/11/24/21/'))).toBe(
      Date.UTC(2026, 10, 24, 21, 59, 59, 999),
    );
  });

  it('refuses a prefix that is not an hour partition', () => {
    expect(() => compactedKey('ops/2026/11/24/')).toThrow(RangeError);
    expect(partitionStart('ops/2026/11/24/21/')).toBe(Date.UTC(2026, 10, 24, 21));
    expect(partitionStart('stats/2026/11/24/21/')).toBeUndefined();
  });
});

describe('the compacted line format', () => {
  it("is the op's own fields plus _observer naming its segment and line", () => {
    const e = entry('abc', 2, nthOp(1, { duration_ms: 12 }));

    const line = JSON.parse(encodeCompacted([e]));

    expect(line).toEqual({ ...e.op, _observer: { segment: e.key, line: 2 } });
  });

  it('round-trips entries with unknown, nested and null fields', () => {
    const entries = [
      entry('a', 0, nthOp(1, { meta: { tags: ['x', null] }, note: null })),
      entry('a', 1, nthOp(2, { source: 'scenario', staffer_id: 'w-17' })),
      entry('b', 0, nthOp(3, { error: 'line one\nline two' })),
    ];

    const { entries: back, skipped } = decodeCompacted(encodeCompacted(entries));

    expect(skipped).toEqual([]);
    expect(back).toEqual(entries);
  });

  it("keeps an op's own _observer field, in its place", () => {
    const o = nthOp(1, { _observer: { mine: true }, after: 1 });

    const [back] = decodeCompacted(encodeCompacted([entry('a', 0, o)])).entries;

    expect(back?.op).toEqual(o);
    expect(Object.keys(back?.op ?? {})).toEqual(Object.keys(o));
  });

  it('skips lines that are not JSON, have no origin, or hold an invalid op, and keeps the rest', () => {
    const good = encodeCompacted([entry('a', 0, nthOp(1))]).trim();
    const text = [
      good,
      'not json',
      JSON.stringify(nthOp(2)),
      JSON.stringify({ ...nthOp(3), _observer: { segment: 'elsewhere', line: 0 } }),
      JSON.stringify({ ...nthOp(4), _observer: { segment: segmentKey(AT, 'b'), line: -1 } }),
      JSON.stringify({ success: true, _observer: { segment: segmentKey(AT, 'c'), line: 0 } }),
      good.slice(0, 30),
    ].join('\n');

    const { entries, skipped } = decodeCompacted(text);

    expect(entries).toHaveLength(1);
    expect(skipped.map((s) => s.line)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(skipped[1]?.reason).toBe('no _observer origin');
  });

  it('refuses a compacted key as an origin (an op comes from one segment)', () => {
    const line = JSON.stringify({
      ...nthOp(1),
      _observer: { segment: compactedKey('ops/2026/11/24/21/'), line: 0 },
    });

    expect(decodeCompacted(line).entries).toEqual([]);
  });
});

describe('the compacted object', () => {
  const entries = Array.from({ length: 50 }, (_, i) => entry(`s${i}`, 0, nthOp(i)));

  it('is gzip, and reads back whole', () => {
    const body = gzipCompacted(entries);

    expect(body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gunzipCompacted(body)).toEqual({ entries, skipped: [] });
  });

  it('yields the lines before the cut when truncated, and skips the cut one', () => {
    const body = gzipSync(encodeCompacted(entries), { level: 0 });

    const back = gunzipCompacted(body.subarray(0, Math.floor(body.length / 2)));

    if ('error' in back) throw new Error(back.error);
    expect(back.entries.length).toBeGreaterThan(10);
    expect(back.entries.length).toBeLessThan(50);
    expect(back.entries).toEqual(entries.slice(0, back.entries.length));
    expect(back.skipped).toHaveLength(1);
  });

  it('is an error when the bytes are not gzip', () => {
    expect(gunzipCompacted(Buffer.from('{"endpoint":"x"}\n'))).toEqual({
      error: expect.stringMatching(/^not gzip/),
    });
  });
});
