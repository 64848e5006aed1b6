import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../lib/domain/entry';
import {
  decodeCheckpoint,
  decodeCopies,
  encodeCheckpoint,
  encodeCopies,
} from '../../../lib/ring/checkpoint';
import {
  decodeHour,
  encodeHour,
  type StatsSnapshot,
  statsSnapshot,
} from '../../../lib/stats/snapshot';
import { segmentKey, statsHourKey, statsMinuteKey } from '../../../lib/storage/keys';
import { nthOp } from '../../support/ops';

const at = new Date(Date.UTC(2026, 10, 24, 21, 7, 30, 5));
const entry = (i: number): RingEntry => ({
  key: segmentKey(new Date(at.getTime() + i), `c${i}`),
  line: 0,
  op: nthOp(i, { extra: { i } }),
});

/** A checkpoint of a ring of 10 holding `entries`, listed at 0. */
const checkpointOf = (entries: RingEntry[]) => ({
  cap: 10,
  listedAt: 0,
  belowFloor: null,
  windowMs: 600_000,
  entries,
  reserve: [],
  applied: [],
  copiesKey: 'ring/copies/19700101T000000000Z-0.json',
  recentCopies: [],
});

describe('snapshot keys', () => {
  it('names the minute and the hour in UTC', () => {
    expect(statsMinuteKey(at)).toBe('stats/2026/11/24/21/07.json');
    expect(statsHourKey(at)).toBe('stats/hourly/2026/11/24/21.json');
  });
});

describe('checkpoint documents', () => {
  it('round-trip the entries, their keys and lines, the reserve and the listing time', () => {
    const checkpoint = {
      cap: 2000,
      listedAt: at.getTime(),
      belowFloor: { key: entry(-1).key, line: 0 },
      windowMs: 600_000,
      entries: [entry(1), entry(2), entry(3)],
      reserve: [entry(0)],
      applied: [entry(0).key],
      copiesKey: 'ring/copies/20261124T210700000Z-5ee0.json',
      recentCopies: [{ id: 'r-2', key: entry(0).key, line: 0 }],
    };

    expect(decodeCheckpoint(encodeCheckpoint(checkpoint, at))).toEqual(checkpoint);
  });

  it('keep the copies beside the ring in a document of their own, tagged with its listing', () => {
    const copies = [{ id: 'r-1', key: entry(0).key, line: 0 }];

    expect(decodeCopies(encodeCopies(at.getTime(), copies))).toEqual({
      listedAt: at.getTime(),
      copies,
    });
    expect(decodeCopies('{"version":1}')).toHaveProperty('error');
  });

  it('refuses a checkpoint of the first version, which carried no copies', () => {
    const doc = JSON.parse(encodeCheckpoint(checkpointOf([entry(1)]), at));

    expect(decodeCheckpoint(JSON.stringify({ ...doc, version: 1 }))).toEqual({
      error: 'not a checkpoint: not a version 2 checkpoint',
    });
  });

  it('refuses a document that is not JSON', () => {
    expect(decodeCheckpoint('{"version":1,')).toHaveProperty('error');
  });

  it('refuses a document whose count does not match its entries', () => {
    const doc = JSON.parse(encodeCheckpoint(checkpointOf([entry(1)]), at));

    const back = decodeCheckpoint(JSON.stringify({ ...doc, op_count: 2 }));

    expect(back).toEqual({ error: 'holds 1 ops but claims 2' });
  });

  it('refuses a document holding one invalid op', () => {
    const doc = JSON.parse(encodeCheckpoint(checkpointOf([entry(1), entry(2)]), at));
    doc.entries[1].op = { success: true };

    expect(decodeCheckpoint(JSON.stringify(doc))).toEqual({ error: 'entry 1 is not a valid op' });
  });

  it('refuses an entry whose key is not a segment key', () => {
    const doc = JSON.parse(encodeCheckpoint(checkpointOf([entry(1)]), at));
    doc.entries[0].key = 'elsewhere/x.json';

    expect(decodeCheckpoint(JSON.stringify(doc))).toHaveProperty('error');
  });
});

describe('stats snapshots', () => {
  it('add when they were made and the receive times of the ring window', () => {
    const snap = statsSnapshot(
      {
        total: 2,
        successes: 1,
        failures: 1,
        by_source: { mcp: 2 },
        recent_scenario_ops: [],
        tokens: { by_model: {}, by_agent: {} },
      },
      entry(0),
      entry(9),
      at,
    );

    expect(snap.generated_at).toBe('2026-11-24T21:07:30.005Z');
    expect(snap.window).toEqual({
      from: '2026-11-24T21:07:30.005Z',
      to: '2026-11-24T21:07:30.014Z',
      ops: 2,
    });
  });

  it('merge into an hour document in time order, one per minute', () => {
    const snap = (iso: string, total: number): StatsSnapshot => ({
      total,
      successes: total,
      failures: 0,
      by_source: {},
      recent_scenario_ops: [],
      generated_at: iso,
      window: { from: null, to: null, ops: total },
    });
    let doc = encodeHour([], snap('2026-11-24T21:05:00.000Z', 1));
    doc = encodeHour(decodeHour(doc), snap('2026-11-24T21:03:00.000Z', 2));
    doc = encodeHour(decodeHour(doc), snap('2026-11-24T21:05:40.000Z', 3));

    expect(decodeHour(doc).map((s) => [s.generated_at, s.total])).toEqual([
      ['2026-11-24T21:03:00.000Z', 2],
      ['2026-11-24T21:05:40.000Z', 3],
    ]);
  });

  it('read an unreadable hour document as empty', () => {
    expect(decodeHour('garbage')).toEqual([]);
    expect(decodeHour(undefined)).toEqual([]);
  });
});
