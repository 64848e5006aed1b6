import { describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../lib/domain/entry';
import type { ObservedOp } from '../../../lib/domain/op';
import { parseQuery } from '../../../lib/domain/query';
import { encodeCursor, type OpsQuery, OpsQuerySchema, queryOps } from '../../../lib/ring/ops-query';
import { Ring } from '../../../lib/ring/ring';
import { segmentKey } from '../../../lib/storage/keys';
import { op } from '../../support/ops';
import { answerTo } from '../../support/thrown';

const T0 = Date.UTC(2026, 10, 24, 21, 0, 0, 0);

/** The i-th entry: received i seconds after T0, line `line` of its segment. */
function entry(i: number, fields: Partial<ObservedOp> = {}, line = 0): RingEntry {
  return {
    key: segmentKey(new Date(T0 + i * 1000), `c${String(i).padStart(6, '0')}`),
    line,
    op: op(`e${i % 3}`, { staffer_id: `w-${i % 2}`, ...fields }),
  };
}

const entries = (n: number, fields: Partial<ObservedOp> = {}) =>
  Array.from({ length: n }, (_, i) => entry(i, fields));

const query = (params: Record<string, string>): OpsQuery => parseQuery(OpsQuerySchema, params);
const keysOf = (page: { ops: { key: string }[] }) => page.ops.map((o) => o.key);
const is = (i: number) => entry(i).key;

describe('queryOps', () => {
  it('answers the newest ops first, 50 by default, each as stored with its key, line and receive time', () => {
    const all = entries(60);

    const page = queryOps(all, query({}));

    expect(page.ops).toHaveLength(50);
    expect(page.ops[0]).toEqual({
      key: is(59),
      line: 0,
      received_at: new Date(T0 + 59_000).toISOString(),
      op: all[59]?.op,
    });
    expect(keysOf(page).at(-1)).toBe(is(10));
    expect(page.next_cursor).toBe(encodeCursor({ key: is(10), line: 0 }));
  });

  it('gives no cursor on the last page', () => {
    expect(queryOps(entries(5), query({ limit: '5' })).next_cursor).toBeNull();
    expect(queryOps([], query({}))).toEqual({ ops: [], next_cursor: null });
  });

  it('filters by success, source, staffer and event kind, together', () => {
    const all = [
      entry(0, { success: false, source: 'scenario', event_kind: 'step' }),
      entry(1, { success: false, source: 'scenario', event_kind: 'step' }),
      entry(2, { success: true, source: 'scenario', event_kind: 'step' }),
      entry(3, { success: false, source: 'mcp', event_kind: 'step' }),
      entry(4, { success: false, source: 'scenario', event_kind: 'plan' }),
    ];

    const page = queryOps(
      all,
      query({ success: 'false', source: 'scenario', staffer_id: 'w-0', event_kind: 'step' }),
    );

    expect(keysOf(page)).toEqual([is(0)]);
    expect(keysOf(queryOps(all, query({ success: 'true' })))).toEqual([is(2)]);
    expect(keysOf(queryOps(all, query({ event_kind: 'plan' })))).toEqual([is(4)]);
  });

  it('matches an endpoint exactly, or by prefix with a trailing *', () => {
    const all = ['tools/call', 'tools/list', 'tools', 'resources/read'].map((endpoint, i) =>
      entry(i, { endpoint }),
    );

    expect(keysOf(queryOps(all, query({ endpoint: 'tools' })))).toEqual([is(2)]);
    expect(keysOf(queryOps(all, query({ endpoint: 'tools/*' })))).toEqual([is(1), is(0)]);
    expect(keysOf(queryOps(all, query({ endpoint: 'tools*' })))).toEqual([is(2), is(1), is(0)]);
    expect(keysOf(queryOps(all, query({ endpoint: '*' })))).toHaveLength(4);
  });

  it('selects by receive time (since inclusive, until exclusive), not by the op timestamp', () => {
    const all = entries(10, { timestamp: '1999-01-01T00:00:00Z' });

    const page = queryOps(
      all,
      query({
        since: new Date(T0 + 3_000).toISOString(),
        until: new Date(T0 + 6_000).toISOString(),
      }),
    );

    expect(keysOf(page)).toEqual([is(5), is(4), is(3)]);
  });

  it('reads since and until with any offset, in either case', () => {
    const all = entries(10);

    const page = queryOps(all, query({ since: '2026-11-24T23:00:08+02:00' }));
    const lowercase = queryOps(all, query({ since: '2026-11-24t21:00:08.000z' }));

    expect(keysOf(page)).toEqual([is(9), is(8)]);
    expect(keysOf(lowercase)).toEqual([is(9), is(8)]);
  });

  it('orders the lines of one segment newest (last line) first', () => {
    const at = new Date(T0);
    const key = segmentKey(at, 'batch');
    const batch = [0, 1, 2].map((line) => ({ key, line, op: op(`b${line}`) }));

    const first = queryOps(batch, query({ limit: '2' }));
    const second = queryOps(batch, query({ limit: '2', cursor: String(first.next_cursor) }));

    expect(first.ops.map((o) => o.line)).toEqual([2, 1]);
    expect(second.ops.map((o) => o.line)).toEqual([0]);
  });
});

describe('paging with the cursor', () => {
  /** Every page of a query, following next_cursor, over whatever `entries()` holds at each call. */
  function pages(entriesNow: () => RingEntry[], params: Record<string, string>): string[][] {
    const out: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = queryOps(entriesNow(), query(cursor ? { ...params, cursor } : params));
      out.push(keysOf(page));
      cursor = page.next_cursor;
    } while (cursor !== null && out.length < 100);
    return out;
  }

  it('walks every matching op once, newest first', () => {
    const all = entries(23);

    const walked = pages(() => all, { limit: '5', endpoint: 'e1' });

    const expected = all.filter((e) => e.op.endpoint === 'e1').map((e) => e.key);
    expect(walked.flat()).toEqual(expected.reverse());
    expect(walked.map((p) => p.length)).toEqual([5, 3]);
  });

  it('continues strictly older than the cursor while newer ops arrive and the oldest leave', () => {
    const ring = new Ring(20);
    let next = 0;
    const add = (n: number) => {
      for (let i = 0; i < n; i++) ring.insert(entry(next++));
    };
    add(20);

    // Between pages, 7 newer ops arrive and push the 7 oldest out.
    const walked = pages(
      () => {
        const now = [...ring];
        add(7);
        return now;
      },
      { limit: '4' },
    );

    const seen = walked.flat();
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(0, 4)).toEqual([is(19), is(18), is(17), is(16)]);
    expect(seen).toEqual([...seen].sort().reverse());
    expect(seen.length).toBeGreaterThan(4);
  });

  it('answers an empty last page for a cursor older than the whole ring', () => {
    const all = entries(10).slice(5);
    const cursor = encodeCursor({ key: is(2), line: 0 });

    expect(queryOps(all, query({ cursor }))).toEqual({ ops: [], next_cursor: null });
  });
});

describe('the query parameters of GET /observer/ops', () => {
  it('parse into a query, with the limit defaulting to 50', () => {
    const cursor = encodeCursor({ key: is(3), line: 2 });

    expect(
      query({
        success: 'false',
        endpoint: 'tools/*',
        since: '2026-11-24T21:00:00Z',
        limit: '500',
        cursor,
      }),
    ).toEqual({
      success: false,
      endpoint: { value: 'tools/', prefix: true },
      since: T0,
      limit: 500,
      before: { key: is(3), line: 2 },
    });
    expect(query({}).limit).toBe(50);
  });

  it('answer 400 naming every bad parameter and why', () => {
    const { status, body } = answerTo(() =>
      query({
        success: 'yes',
        limit: '0',
        since: 'yesterday',
        cursor: 'bm90IGEgY3Vyc29y',
        sucess: 'false',
      }),
    );

    expect(status).toBe(400);
    expect(body.fields).toEqual([
      { field: 'success', message: 'must be true or false' },
      { field: 'since', message: 'must be an RFC 3339 timestamp, such as 2026-11-24T21:00:00Z' },
      { field: 'limit', message: 'must be a whole number from 1 to 500' },
      { field: 'cursor', message: 'is not a cursor this route gave' },
      { field: 'sucess', message: 'is not a parameter of this route' },
    ]);
    expect(body.error).toMatch(/^invalid query: success: must be true or false; since: /);
  });

  it.each([
    ['limit', '501'],
    ['limit', '2.5'],
    ['limit', ''],
    ['source', ''],
    ['endpoint', 'x'.repeat(514)],
    ['until', '2026-11-24'],
    ['cursor', encodeCursor({ key: 'elsewhere/x.json', line: 0 })],
  ])('refuses %s=%j', (field, value) => {
    const { status, body } = answerTo(() => query({ [field]: value }));

    expect(status).toBe(400);
    expect(body.fields?.map((f) => f.field)).toEqual([field]);
  });

  it('refuses an until that is not later than since', () => {
    const { body } = answerTo(() =>
      query({ since: '2026-11-24T21:00:00Z', until: '2026-11-24T21:00:00Z' }),
    );

    expect(body.fields).toEqual([{ field: 'until', message: 'must be later than since' }]);
  });
});
