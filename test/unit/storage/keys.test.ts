import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import {
  HOUR_MS,
  hourPartition,
  hourPartitionsBack,
  isSegmentKey,
  keyFloor,
  keyTime,
  segmentKey,
  stamp,
  uniqueSuffixes,
} from '../../../lib/storage/keys';

const YEAR_2000 = Date.UTC(2000, 0, 1);
const YEAR_2100 = Date.UTC(2100, 0, 1);

/** Seeded instants between 2000 and 2099, plus the edges of hours, days, months and years. */
function instants(seed: number, count: number): number[] {
  const rand = seededRandom(seed);
  const out = new Set<number>([
    Date.UTC(2026, 11, 31, 23, 59, 59, 999),
    Date.UTC(2027, 0, 1, 0, 0, 0, 0),
    Date.UTC(2026, 1, 28, 23, 59, 59, 999),
    Date.UTC(2026, 2, 1, 0, 0, 0, 0),
    Date.UTC(2026, 10, 24, 9, 59, 59, 999),
    Date.UTC(2026, 10, 24, 10, 0, 0, 0),
    Date.UTC(2026, 10, 9, 23, 0, 0, 0),
    Date.UTC(2026, 10, 10, 0, 0, 0, 0),
    Date.UTC(2026, 8, 30, 12, 0, 0, 0),
    Date.UTC(2026, 9, 1, 12, 0, 0, 0),
  ]);
  while (out.size < count) out.add(YEAR_2000 + Math.floor(rand() * (YEAR_2100 - YEAR_2000)));
  return [...out];
}

const SUFFIXES = ['0', 'zzzzzzzzzz', 'a1b2c3000000', '9'];

describe('segment key layout', () => {
  it('stamps an instant as YYYYMMDDTHHmmssSSSZ in UTC, zero-padded', () => {
    expect(stamp(new Date('2026-01-02T03:04:05.006Z'))).toBe('20260102T030405006Z');
    expect(stamp(new Date('2026-11-24T21:15:03.123Z'))).toBe('20261124T211503123Z');
  });

  it('names the hour partition ops/YYYY/MM/DD/HH/', () => {
    expect(hourPartition(new Date('2026-01-02T03:59:59.999Z'))).toBe('ops/2026/01/02/03/');
  });

  it('builds a segment key from the partition, the stamp and the unique suffix', () => {
    const key = segmentKey(new Date('2026-01-02T03:04:05.006Z'), 'abc123');

    expect(key).toBe('ops/2026/01/02/03/20260102T030405006Z-abc123.jsonl');
  });

  it('uses UTC whatever the local time zone', () => {
    const saved = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      const at = new Date('2026-12-31T23:45:00.000Z');

      expect(new Date(at).getHours()).not.toBe(23); // the zone really changed
      expect(segmentKey(at, 'u')).toBe('ops/2026/12/31/23/20261231T234500000Z-u.jsonl');
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});

describe('key order', () => {
  it('sorts keys as strings in time order across hour, day, month and year partitions', () => {
    const rand = seededRandom(7);
    const times = instants(1, 3000);
    const keys = times.map((t) => segmentKey(new Date(t), SUFFIXES[Math.floor(rand() * 4)] ?? '0'));

    const byString = [...keys].sort();

    expect(byString.map((k) => keyTime(k))).toEqual([...times].sort((a, b) => a - b));
  });

  it('puts a key just after midnight on New Year after one just before it', () => {
    const before = segmentKey(new Date('2026-12-31T23:59:59.999Z'), 'zzzzzz');
    const after = segmentKey(new Date('2027-01-01T00:00:00.000Z'), '000000');

    expect(before < after).toBe(true);
  });

  it('places keyFloor(ms) after every key stamped earlier and before every key stamped at ms or later', () => {
    const rand = seededRandom(11);
    const floors = instants(2, 300);

    for (const ms of floors) {
      const floor = keyFloor(ms);
      const offsets = [-HOUR_MS, -1000, -1, 0, 1, 1000, HOUR_MS, Math.floor(rand() * 1e10) - 5e9];
      for (const offset of offsets) {
        const suffix = SUFFIXES[Math.floor(rand() * 4)] ?? '0';
        const key = segmentKey(new Date(ms + offset), suffix);

        expect(key > floor, `${key} vs floor ${floor}`).toBe(offset >= 0);
      }
    }
  });

  it('reads back the receive time from a key', () => {
    const times = instants(3, 500);

    const readBack = times.map((t) => keyTime(segmentKey(new Date(t), 'abc')));

    expect(readBack).toEqual(times);
  });
});

describe('isSegmentKey and keyTime on other shapes', () => {
  const good = 'ops/2026/11/24/21/20261124T211503123Z-a1b2c3.jsonl';

  it('accepts a key built by segmentKey', () => {
    expect(isSegmentKey(good)).toBe(true);
    expect(isSegmentKey(segmentKey(new Date(), uniqueSuffixes()()))).toBe(true);
  });

  it.each([
    ['the ring checkpoint', 'ring/checkpoint.json'],
    ['a stats snapshot', 'stats/2026/11/24/21/15.json'],
    ['an hour partition', 'ops/2026/11/24/21/'],
    ['a key still carrying the prefix', `tenant/${good}`],
    ['a key without a unique suffix', 'ops/2026/11/24/21/20261124T211503123Z.jsonl'],
    ['a key with an empty suffix', 'ops/2026/11/24/21/20261124T211503123Z-.jsonl'],
    ['a key with an uppercase suffix', 'ops/2026/11/24/21/20261124T211503123Z-ABC.jsonl'],
    ['a key with another extension', 'ops/2026/11/24/21/20261124T211503123Z-abc.json'],
    ['a key with a short stamp', 'ops/2026/11/24/21/20261124T2115031Z-abc.jsonl'],
    ['a key in a deeper folder', 'ops/2026/11/24/21/x/20261124T211503123Z-abc.jsonl'],
    ['a key with a trailing extra', `${good}.bak`],
    ['an empty string', ''],
  ])('rejects %s', (_label, key) => {
    expect(isSegmentKey(key)).toBe(false);
    expect(keyTime(key)).toBeUndefined();
  });
});

describe('hourPartitionsBack', () => {
  it('lists the partition holding the instant and the earlier ones, newest first, across midnight', () => {
    const from = Date.UTC(2026, 0, 1, 1, 30);

    expect(hourPartitionsBack(from, 3)).toEqual([
      'ops/2026/01/01/01/',
      'ops/2026/01/01/00/',
      'ops/2025/12/31/23/',
      'ops/2025/12/31/22/',
    ]);
  });

  it('lists only the current partition for zero hours back', () => {
    expect(hourPartitionsBack(Date.UTC(2026, 10, 24, 21, 15), 0)).toEqual(['ops/2026/11/24/21/']);
  });

  it('lists distinct partitions in strictly descending order over a long horizon', () => {
    const list = hourPartitionsBack(Date.UTC(2026, 2, 1, 5), 24 * 40);

    expect(list).toHaveLength(24 * 40 + 1);
    expect(list.every((p, i) => i === 0 || p < (list[i - 1] as string))).toBe(true);
  });
});

describe('uniqueSuffixes', () => {
  it('hands out strictly increasing suffixes within one container', () => {
    const next = uniqueSuffixes('c0ffee0000');

    const suffixes = Array.from({ length: 50_000 }, () => next());

    expect(suffixes.every((s, i) => i === 0 || s > (suffixes[i - 1] as string))).toBe(true);
  });

  it('keeps keys written in the same millisecond by one container in write order', () => {
    const next = uniqueSuffixes();
    const at = new Date('2026-11-24T21:15:03.123Z');

    const keys = Array.from({ length: 100 }, () => segmentKey(at, next()));

    expect([...keys].sort()).toEqual(keys);
  });

  it('gives different containers distinct suffixes', () => {
    const a = uniqueSuffixes();
    const b = uniqueSuffixes();

    const fromA = new Set(Array.from({ length: 1000 }, () => a()));
    const fromB = Array.from({ length: 1000 }, () => b());

    expect(fromA.size).toBe(1000);
    expect(fromB.filter((s) => fromA.has(s))).toEqual([]);
  });

  it('starts each container with its own id', () => {
    expect(uniqueSuffixes('aaaaaaaaaa')()).not.toBe(uniqueSuffixes('bbbbbbbbbb')());
  });
});
