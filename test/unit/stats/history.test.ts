import { describe, expect, it } from 'vitest';
import { addToHour, historyHours, readHistory } from '../../../lib/stats/history';
import { decodeHour, type StatsSnapshot } from '../../../lib/stats/snapshot';
import { statsHourKey } from '../../../lib/storage/keys';
import { MemorySegmentStore } from '../../support/memory-store';
import { answerTo } from '../../support/thrown';

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

  it.each(['', '0', '169', '1.5', 'soon'])('answers 400 for hours=%j, naming the field', (raw) => {
    const { status, body } = answerTo(() => historyHours({ hours: raw }));

    expect(status).toBe(400);
    expect(body.error).toMatch(/^invalid query: hours: /);
    expect(body.fields?.map((f) => f.field)).toEqual(['hours']);
  });

  it('answers 400 naming a parameter the route does not take (a typo of hours)', () => {
    const { status, body } = answerTo(() => historyHours({ hour: '2' }));

    expect(status).toBe(400);
    expect(body.fields).toEqual([{ field: 'hour', message: 'is not a parameter of this route' }]);
  });
});
