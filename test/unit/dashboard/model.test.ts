import { describe, expect, it } from 'vitest';
import {
  clusters,
  counters,
  failingOps,
  playbooks,
  risingSignificantly,
  runView,
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
      {
        at: '2026-11-24T21:00:01.000Z',
        endpoint: 'fill',
        staffer: 'w-17',
        error: 'boom',
        traceId: '',
      },
      { at: '2026-11-24T20:00:00Z', endpoint: 'weld', staffer: '', error: '', traceId: '' },
    ]);
  });

  it('is undefined without an ops array', () => {
    expect(failingOps({ ops: 'none' })).toBeUndefined();
  });
});

describe('runs and playbooks', () => {
  it('reads a run as waterfall rows, marking its first failure', () => {
    const view = runView({
      trace_id: 't1',
      outcome: 'failed',
      agent: 'researcher',
      duration_ms: 86,
      first_failure: { key: 'k', line: 2 },
      tokens: { total: { input_tokens: 300, output_tokens: 40, cost_usd: 0.000069 } },
      incomplete_because: [],
      ops: [
        {
          key: 'k',
          line: 3,
          depth: 0,
          offset_ms: 0,
          op: { endpoint: 'invoke_agent', success: false, duration_ms: 86 },
        },
        {
          key: 'k',
          line: 2,
          depth: 1,
          offset_ms: 60,
          op: { endpoint: 'fetch', success: false, error: '429', duration_ms: 25 },
        },
      ],
    });

    expect(view).toMatchObject({ traceId: 't1', failed: true, tokens: 340, costUsd: 0.000069 });
    expect(view?.rows.map((r) => [r.endpoint, r.depth, r.offsetMs, r.first])).toEqual([
      ['invoke_agent', 0, 0, false],
      ['fetch', 1, 60, true],
    ]);
  });

  it('reads playbooks, and the run a location hash names', () => {
    expect(
      playbooks({
        playbooks: [
          {
            agent: 'researcher',
            role: 'analyst',
            runs: 50,
            success_rate: 0.8,
            path: { steps: ['plan', 'fetch'] },
            failing_step: { step: 'fetch', cluster: { template: 'HTTP <*>' } },
          },
        ],
      }),
    ).toEqual([
      {
        agent: 'researcher',
        role: 'analyst',
        runs: 50,
        successRate: 0.8,
        path: ['plan', 'fetch'],
        failingStep: 'fetch',
        failingTemplate: 'HTTP <*>',
      },
    ]);
  });
});

describe('risingSignificantly', () => {
  it('calls no rise of a handful of failures after none, or of a small step', () => {
    expect(risingSignificantly(1, 0)).toBe(false);
    expect(risingSignificantly(3, 1)).toBe(false);
    expect(risingSignificantly(12, 10)).toBe(false);
  });

  it('calls a rise what would come by chance less than once in a hundred', () => {
    expect(risingSignificantly(5, 0)).toBe(true);
    expect(risingSignificantly(30, 10)).toBe(true);
  });
});
