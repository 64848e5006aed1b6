import { describe, expect, it } from 'vitest';
import { issuePage, issueRows, opPage, rates } from '../../../lib/dashboard/client/issues-model';
import {
  DEFAULT_FILTERS,
  issuesHash,
  issuesPath,
  opHash,
  parseHash,
} from '../../../lib/dashboard/client/route';

// The page reads the issue routes' answers from whatever version of the
// service it is served by, and keeps its view and filters in the URL.

describe('the URL of a view', () => {
  it('keeps the list filters in the hash, defaults left out, and reads them back', () => {
    const filters = {
      ...DEFAULT_FILTERS,
      status: 'regressed,new',
      q: 'time out',
      range: '7d' as const,
    };

    const hash = issuesHash(filters);

    expect(hash).toBe('#/issues?status=regressed%2Cnew&q=time+out&range=7d');
    expect(parseHash(hash)).toEqual({ view: 'issues', filters });
    expect(issuesHash(DEFAULT_FILTERS)).toBe('#/issues');
  });

  it('asks the API for the range as since, at the time of the request', () => {
    const path = issuesPath(
      { ...DEFAULT_FILTERS, range: '1h', sort: 'count' },
      Date.parse('2026-11-24T21:00:00Z'),
    );

    expect(path).toBe('issues?sort=count&limit=50&since=2026-11-24T20%3A00%3A00.000Z');
    expect(issuesPath({ ...DEFAULT_FILTERS, range: 'all' }, 0)).toBe(
      'issues?sort=last_seen&limit=50',
    );
  });

  it('names an issue, an op (its key may hold slashes and colons) and a run', () => {
    const key = 'ops/2026/11/24/21/20261124T212958002Z-9c1e0a7f3b000012.jsonl';

    expect(parseHash('#/issues/3f9a0c2d4e5b6a71')).toEqual({
      view: 'issue',
      id: '3f9a0c2d4e5b6a71',
    });
    expect(parseHash(opHash(key, 3))).toEqual({ view: 'op', key, line: 3 });
    expect(parseHash('#/runs/4bf92f35')).toMatchObject({ view: 'issues', run: '4bf92f35' });
    expect(parseHash('#run=4bf92f35')).toMatchObject({ view: 'issues', run: '4bf92f35' });
    expect(parseHash('#run=a/b')).toEqual({ view: 'issues', filters: DEFAULT_FILTERS });
    expect(parseHash('#/issues/not-an-id')).toEqual({ view: 'issues', filters: DEFAULT_FILTERS });
    expect(parseHash('')).toEqual({ view: 'issues', filters: DEFAULT_FILTERS });
  });
});

describe('the issue answers', () => {
  const issue = {
    id: '3f9a0c2d4e5b6a71',
    endpoint: 'tools/call',
    template: 'connection refused to <*>',
    status: 'regressed',
    count: 12,
    first_seen: '2026-11-24T20:00:00.000Z',
    last_seen: '2026-11-24T21:00:00.000Z',
    range: { count: 3, share: 0.5 },
    sparkline: [0, 1, 2],
    trend: { last_hour: 3, baseline: 0.2, rising: true, score: 2 },
    resolution: { status: 'resolved', by: 'k1', at: '2026-11-24T20:30:00.000Z' },
    merged_into: null,
    regressed_at: '2026-11-24T20:40:00.000Z',
    escalating_since: null,
  };

  it('reads the list, members of the wrong type as absent', () => {
    const [row, odd] = issueRows({ issues: [issue, { id: 7, count: 'many' }] }) ?? [];

    expect(row).toMatchObject({
      id: issue.id,
      rangeCount: 3,
      share: 0.5,
      rising: true,
      status: 'regressed',
    });
    expect(row?.resolution).toBe('resolved by k1 at 2026-11-24T20:30:00.000Z');
    expect(odd).toMatchObject({ id: '', count: 0, sparkline: [] });
    expect(issueRows({ error: 'x' })).toBeUndefined();
  });

  it('reads an issue’s page', () => {
    const page = issuePage({
      issue,
      forecast: { window_minutes: 15, current: 3, baseline: 0.5, threshold: 10 },
      hourly: [{ at: '2026-11-24T21:00:00.000Z', count: 3 }],
      breakdowns: { staffers: [{ name: 'w-17', count: 3 }] },
      samples: [{ key: 'k', line: 1, received_at: 't', op: { error: 'boom', staffer_id: 'w-17' } }],
      transitions: [{ id: 'x', kind: 'regressed', at: 't' }],
      escalations: [
        {
          claimed_at: 't',
          outcome: 'delivered',
          attempts: [{}],
          payload: { type: 'issue.regressed' },
        },
      ],
      merged: [],
    });

    expect(page?.forecast).toBe('3 in the last 15 min; its 7 days forecast 0.5; escalating at 10');
    expect(page?.breakdowns).toContainEqual(['staffers', [['w-17', 3]]]);
    expect(page?.samples).toEqual([{ key: 'k', line: 1, at: 't', error: 'boom', staffer: 'w-17' }]);
    expect(page?.escalations).toEqual([
      { at: 't', type: 'issue.regressed', outcome: 'delivered', attempts: 1 },
    ]);
    expect(issuePage({ issue: {} })).toBeUndefined();
  });

  it('reads a review as an op’s page: every field, the verdict, its run', () => {
    const page = opPage({
      op: { endpoint: 'fetch', success: false, source: 'mcp', trace_id: 'abc', duration_ms: 12 },
      cluster: { template: 'HTTP <*>' },
      action: 'retry',
      reason: 'a transient error',
    });

    expect(page?.fields).toContainEqual(['duration_ms', '12']);
    expect(page).toMatchObject({ traceId: 'abc', verdict: 'retry', cluster: 'HTTP <*>' });
    expect(opPage({ op: {} })).toBeUndefined();
  });

  it('reads the minutes the snapshots counted, oldest first, once each', () => {
    const points = rates({
      snapshots: [
        { generated_at: 'x', rate: { minute: '2026-11-24T21:02:00.000Z', ops: 10, failures: 2 } },
        { generated_at: 'y', rate: { minute: '2026-11-24T21:01:00.000Z', ops: 4, failures: 0 } },
        { generated_at: 'z' },
        { generated_at: 'w', rate: { minute: '2026-11-24T21:02:00.000Z', ops: 10, failures: 2 } },
      ],
    });

    expect(points).toEqual([
      { at: Date.parse('2026-11-24T21:01:00.000Z'), ops: 4, failures: 0 },
      { at: Date.parse('2026-11-24T21:02:00.000Z'), ops: 10, failures: 2 },
    ]);
    expect(rates({})).toBeUndefined();
  });
});
