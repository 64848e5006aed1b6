import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../../lib/domain/entry';
import type { ObservedOp } from '../../../../lib/domain/op';
import { clusterFailures, failureClusterId } from '../../../../lib/failures/clustering/clusters';
import { HOUR_MS, segmentKey } from '../../../../lib/storage/keys';
import { op } from '../../../support/ops';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0, 0);
const MINUTE = 60_000;

let seq = 0;
/** A failed op received `minutesAgo` before NOW (stored with an unrelated timestamp). */
function failed(
  error: string | undefined,
  fields: Partial<ObservedOp> = {},
  minutesAgo = 5,
): RingEntry {
  const n = seq++;
  return {
    key: segmentKey(new Date(NOW - minutesAgo * MINUTE), `c${String(n).padStart(6, '0')}`),
    line: 0,
    op: op('tools/call', {
      success: false,
      timestamp: '2001-01-01T00:00:00Z',
      ...(error === undefined ? {} : { error }),
      ...fields,
    }),
  };
}

/** Entries in log order (as the ring holds them), from oldest. */
const inOrder = (entries: RingEntry[]) =>
  [...entries].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.line - b.line));

const timeout = (tool: string, ms: number, minutesAgo = 5, fields: Partial<ObservedOp> = {}) =>
  failed(`Timeout calling tool ${tool} after ${ms}ms`, fields, minutesAgo);

describe('clusterFailures', () => {
  it('groups failed ops by endpoint and the template of their error', () => {
    const entries = inOrder([
      timeout('search', 1200, 9),
      timeout('fetch', 30000, 8),
      timeout('write_file', 15, 7),
      failed('file not found: /work/a.ts', {}, 6),
      failed('file not found: /work/b/c.ts', {}, 5),
      timeout('search', 99, 4, { endpoint: 'tools/list' }),
    ]);

    const clusters = clusterFailures(entries, NOW);

    expect(clusters.map((c) => [c.endpoint, c.template, c.count])).toEqual([
      ['tools/call', 'Timeout calling tool <*> after <*>', 3],
      ['tools/call', 'file not found: <*>', 2],
      ['tools/list', 'Timeout calling tool <*> after <*>', 1],
    ]);
    expect(clusters.every((c) => c.endpoints.length === 1 && c.endpoints[0] === c.endpoint)).toBe(
      true,
    );
  });

  it('leaves successes out and counts each failure in exactly one cluster, with its share', () => {
    const entries = inOrder([
      failed('disk full on /dev/sda1', { success: true }),
      failed('disk full on /dev/sda1'),
      failed('disk full on /dev/sdb2'),
      failed('connection refused by 10.0.0.1'),
      failed('permission denied'),
    ]);

    const clusters = clusterFailures(entries, NOW);

    expect(clusters.map((c) => [c.count, c.share])).toEqual([
      [2, 0.5],
      [1, 0.25],
      [1, 0.25],
    ]);
  });

  it('puts ops with no error (absent or blank) in one "(no error)" cluster per endpoint', () => {
    const entries = inOrder([
      failed(undefined),
      failed(''),
      failed('   '),
      failed(undefined, { endpoint: 'tools/list' }),
    ]);

    const clusters = clusterFailures(entries, NOW);

    expect(clusters.map((c) => [c.endpoint, c.template, c.count])).toEqual([
      ['tools/call', '(no error)', 3],
      ['tools/list', '(no error)', 1],
    ]);
    expect(clusters[0]?.id).toBe(failureClusterId('tools/call', ''));
  });

  it('counts ops received in the last hour and in the hour before it, by receive time', () => {
    const entries = inOrder([
      timeout('a', 1, 150),
      timeout('b', 2, 120),
      timeout('c', 3, 119),
      timeout('d', 4, 61),
      timeout('e', 5, 60),
      timeout('f', 6, 59),
      timeout('g', 7, 0),
      timeout('h', 8, -1),
    ]);

    const [cluster] = clusterFailures(entries, NOW);

    // 60 minutes ago exactly is the hour before; a fast writer's clock counts as the last hour.
    expect(cluster?.trend).toEqual({ last_hour: 3, hour_before: 3 });
    expect(cluster?.first_seen).toBe(new Date(NOW - 150 * MINUTE).toISOString());
    expect(cluster?.last_seen).toBe(new Date(NOW + MINUTE).toISOString());
  });

  it('moves the trend with the clock it is given', () => {
    const entries = inOrder([timeout('a', 1, 30), timeout('a', 2, 20)]);

    expect(clusterFailures(entries, NOW)[0]?.trend).toEqual({ last_hour: 2, hour_before: 0 });
    expect(clusterFailures(entries, NOW + HOUR_MS)[0]?.trend).toEqual({
      last_hour: 0,
      hour_before: 2,
    });
    expect(clusterFailures(entries, NOW + 3 * HOUR_MS)[0]?.trend).toEqual({
      last_hour: 0,
      hour_before: 0,
    });
  });

  it('keeps up to 3 samples, the newest first', () => {
    const entries = inOrder([1, 2, 3, 4, 5].map((i) => timeout('x', i, 10 - i)));

    const [cluster] = clusterFailures(entries, NOW);

    const newest = entries.slice(-3).reverse();
    expect(cluster?.samples).toEqual(newest.map(({ key, line }) => ({ key, line })));
  });

  it('keeps the newest samples across groups that fold into one template', () => {
    const users = ['admin', 'oracle', 'test', 'guest', 'root'];
    const entries = inOrder(
      users.map((u, i) => failed(`Invalid user ${u} from 10.0.0.${i}`, {}, 10 - i)),
    );

    const clusters = clusterFailures(entries, NOW);

    expect(clusters).toHaveLength(1);
    expect(clusters[0]).toMatchObject({ template: 'Invalid user <*> from <*>', count: 5 });
    expect(clusters[0]?.samples.map((s) => s.key)).toEqual(
      entries
        .slice(-3)
        .reverse()
        .map((e) => e.key),
    );
  });

  it('lists distinct sources and staffers, most failures first', () => {
    const entries = inOrder([
      timeout('a', 1, 5, { source: 'scenario', staffer_id: 'w-2' }),
      timeout('a', 2, 4, { source: 'mcp', staffer_id: 'w-1' }),
      timeout('a', 3, 3, { source: 'mcp', staffer_id: 'w-1' }),
      timeout('a', 4, 2, { source: 'mcp' }),
    ]);

    const [cluster] = clusterFailures(entries, NOW);

    expect(cluster?.sources).toEqual(['mcp', 'scenario']);
    expect(cluster?.staffers).toEqual(['w-1', 'w-2']);
  });

  it('lists at most 20 staffers', () => {
    const entries = inOrder(
      Array.from({ length: 30 }, (_, i) => timeout('a', i, 5, { staffer_id: `w-${i}` })),
    );

    expect(clusterFailures(entries, NOW)[0]?.staffers).toHaveLength(20);
  });

  it('ranks by count, then the most recently seen, then by id', () => {
    const entries = inOrder([
      failed('alpha broke', {}, 30),
      failed('beta broke down', {}, 20),
      failed('gamma went away now', {}, 10),
      failed('gamma went away now', {}, 9),
      failed('delta is gone for good', { endpoint: 'z' }, 20),
    ]);

    const clusters = clusterFailures(entries, NOW);

    expect(clusters[0]?.template).toBe('gamma went away now');
    const tied = clusters.slice(1, 3).map((c) => c.id);
    expect(tied).toEqual([...tied].sort());
    expect(clusters.slice(1, 3).map((c) => c.last_seen)).toEqual([
      new Date(NOW - 20 * MINUTE).toISOString(),
      new Date(NOW - 20 * MINUTE).toISOString(),
    ]);
    expect(clusters[3]?.template).toBe('alpha broke');
  });

  it('gives the same clusters for the same entries, whatever ran before', () => {
    const entries = inOrder(
      Array.from({ length: 40 }, (_, i) =>
        i % 3 === 0 ? timeout(`t${i % 5}`, i, 40 - i) : failed(`rate limited, retry in ${i}s`),
      ),
    );

    const first = clusterFailures(entries, NOW);
    clusterFailures(inOrder([failed('something else entirely'), ...entries]), NOW);

    expect(clusterFailures(entries, NOW)).toEqual(first);
  });

  it('keeps a cluster id as the ring slides past the op that founded it', () => {
    const tools = ['search', 'fetch', 'write_file', 'read_file', 'list_dir'];
    const stream = inOrder(
      Array.from({ length: 30 }, (_, i) => timeout(tools[i % 5] as string, i)),
    );

    const ids = [0, 1, 2, 7, 10].map((from) =>
      clusterFailures(stream.slice(from, from + 20), NOW).map((c) => c.id),
    );

    expect(new Set(ids.flat())).toEqual(
      new Set([failureClusterId('tools/call', 'Timeout calling tool <*> after <*>')]),
    );
  });

  it('has no clusters for a ring with no failures', () => {
    expect(clusterFailures([failed('x', { success: true })], NOW)).toEqual([]);
  });
});
