import { describe, expect, it } from 'vitest';
import {
  clusters,
  counters,
  failingOps,
  history,
  successRate,
} from '../../../lib/dashboard/client/model';

// The page reads answers from whatever version of the service it is served by.

describe('counters', () => {
  it('reads the stats answer, sources most ops first', () => {
    const c = counters({ total: 5, successes: 3, failures: 2, by_source: { mcp: 1, scenario: 4 } });

    expect(c).toEqual({
      total: 5,
      successes: 3,
      failures: 2,
      bySource: [
        ['scenario', 4],
        ['mcp', 1],
      ],
    });
  });

  it.each([[null], [[]], [{ total: '5', successes: 3, failures: 2 }], [{ error: 'x' }]])(
    'is undefined for an answer that is not stats: %j',
    (body) => {
      expect(counters(body)).toBeUndefined();
    },
  );

  it('gives the success rate to one decimal, and a dash with no ops', () => {
    expect(successRate({ total: 3, successes: 2, failures: 1, bySource: [] })).toBe('66.7%');
    expect(successRate({ total: 0, successes: 0, failures: 0, bySource: [] })).toBe('—');
  });
});

describe('history', () => {
  it('reads the snapshots oldest first and leaves out those it cannot draw', () => {
    const points = history({
      hours: 1,
      snapshots: [
        { generated_at: '2026-11-24T21:02:00.000Z', total: 7, failures: 1 },
        { generated_at: '2026-11-24T21:01:00.000Z', total: 5, failures: 0 },
        { generated_at: 'later', total: 9, failures: 1 },
        { generated_at: '2026-11-24T21:03:00.000Z', total: 9 },
      ],
    });

    expect(points).toEqual([
      { at: Date.parse('2026-11-24T21:01:00.000Z'), total: 5, failures: 0 },
      { at: Date.parse('2026-11-24T21:02:00.000Z'), total: 7, failures: 1 },
    ]);
  });

  it('is undefined without a snapshots array', () => {
    expect(history({ hours: 1 })).toBeUndefined();
  });
});

describe('clusters', () => {
  it('reads the failures answer, members of the wrong type as absent', () => {
    const rows = clusters({
      generated_at: '2026-11-24T21:00:00.000Z',
      failures_total: 3,
      clusters_total: 2,
      clusters: [
        {
          id: 'c1',
          endpoint: 'tools/call',
          template: 'timeout after <*> ms',
          count: 2,
          share: 0.6667,
          endpoints: ['tools/call'],
          sources: ['mcp'],
          staffers: ['w-17'],
          first_seen: '2026-11-24T20:10:00.000Z',
          last_seen: '2026-11-24T20:59:00.000Z',
          trend: { last_hour: 2, hour_before: 0 },
          samples: [],
        },
        { endpoint: 'fill', template: 7, count: '1', trend: null },
      ],
    });

    expect(rows).toEqual([
      {
        endpoint: 'tools/call',
        template: 'timeout after <*> ms',
        count: 2,
        share: 0.6667,
        lastHour: 2,
        hourBefore: 0,
        lastSeen: '2026-11-24T20:59:00.000Z',
        staffers: ['w-17'],
      },
      {
        endpoint: 'fill',
        template: '',
        count: 0,
        share: 0,
        lastHour: 0,
        hourBefore: 0,
        lastSeen: '',
        staffers: [],
      },
    ]);
  });

  it('is undefined without a clusters array', () => {
    expect(clusters({ error: 'no route for GET /observer/failures' })).toBeUndefined();
  });
});

describe('failingOps', () => {
  it('reads a page of ops: receive time, endpoint, staffer and error', () => {
    const rows = failingOps({
      ops: [
        {
          key: 'ops/2026/11/24/21/a.jsonl',
          line: 0,
          received_at: '2026-11-24T21:00:01.000Z',
          op: { endpoint: 'fill', success: false, staffer_id: 'w-17', error: 'boom' },
        },
        { key: 'k', line: 1, op: { endpoint: 'weld', timestamp: '2026-11-24T20:00:00Z' } },
      ],
      next_cursor: null,
    });

    expect(rows).toEqual([
      { at: '2026-11-24T21:00:01.000Z', endpoint: 'fill', staffer: 'w-17', error: 'boom' },
      { at: '2026-11-24T20:00:00Z', endpoint: 'weld', staffer: '', error: '' },
    ]);
  });

  it('is undefined without an ops array', () => {
    expect(failingOps({ ops: 'none' })).toBeUndefined();
  });
});
