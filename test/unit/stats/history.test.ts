import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../lib/http/errors';
import { addToHour, historyHours, readHistory } from '../../../lib/stats/history';
import { decodeHour, type StatsSnapshot } from '../../../lib/stats/snapshot';
import { statsHourKey } from '../../../lib/storage/keys';
import { MemorySegmentStore } from '../../support/memory-store';

const AT = Date.UTC(2026, 11, 24, 21, 0);

const snapshot = (minute: number): StatsSnapshot => ({
  total: minute,
  successes: minute,
  failures: 0,
  by_source: { mcp: minute },
  recent_scenario_ops: [],
  generated_at: new Date(AT + minute * 60_000).toISOString(),
  window: { from: null, to: null, ops: minute },
});

describe('the hour history document', () => {
  it('keeps every minute when snapshot runs overlap', async () => {
    const store = new MemorySegmentStore();
    const key = statsHourKey(new Date(AT));

    await Promise.all([1, 2, 3].map((m) => addToHour(store, key, snapshot(m))));

    const kept = decodeHour(await store.getDocument(key)).map((s) => s.total);
    expect(kept).toEqual([1, 2, 3]);
  });

  it('replaces a minute written again', async () => {
    const store = new MemorySegmentStore();
    const key = statsHourKey(new Date(AT));
    await addToHour(store, key, snapshot(1));

    await addToHour(store, key, { ...snapshot(1), successes: 0, failures: 1 });

    expect(decodeHour(await store.getDocument(key))).toEqual([
      { ...snapshot(1), successes: 0, failures: 1 },
    ]);
  });

  it('reads a document whose snapshots lack the stats fields as holding none', () => {
    const text = JSON.stringify({ snapshots: [{ generated_at: new Date(AT).toISOString() }] });

    expect(decodeHour(text)).toEqual([]);
  });

  it('answers the snapshots of the window, oldest first', async () => {
    const store = new MemorySegmentStore();
    for (const m of [5, 1, 30]) await addToHour(store, statsHourKey(new Date(AT)), snapshot(m));

    const got = await readHistory(store, 1, AT + 31 * 60_000);

    expect(got.map((s) => s.total)).toEqual([1, 5, 30]);
  });
});

describe('the hours parameter', () => {
  it.each([
    [undefined, 24],
    ['1', 1],
    ['168', 168],
  ])('takes %s as %i', (raw, hours) => {
    expect(historyHours(raw === undefined ? {} : { hours: raw })).toBe(hours);
  });

  it.each(['', '0', '169', '1.5', 'soon'])('answers 400 for hours=%j', (raw) => {
    let thrown: unknown;
    try {
      historyHours({ hours: raw });
    } catch (err: unknown) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(400);
    expect((thrown as HttpError).message).toMatch(/hours/);
  });
});
