import type { FailureCluster } from '../../lib/failures/clustering/report';

/** A failure cluster as clustering reports it, first seen a minute before `now`. */
export function failureCluster(now: number, fields: Partial<FailureCluster> = {}): FailureCluster {
  return {
    id: '0123456789abcdef',
    endpoint: 'tools/call',
    template: 'connection refused to <*>',
    count: 12,
    share: 0.5,
    endpoints: ['tools/call'],
    sources: ['mcp'],
    staffers: ['w-17'],
    first_seen: new Date(now - 60_000).toISOString(),
    last_seen: new Date(now - 1_000).toISOString(),
    trend: { last_hour: 12, hour_before: 0 },
    samples: [],
    ...fields,
  };
}
