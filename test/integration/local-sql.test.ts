import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FetchedLake, fetchLake } from '../../lib/lake/lake-fetch';
import { LocalLake, rowObjects } from '../../lib/lake/local-sql';
import { HOUR_MS } from '../../lib/storage/keys';
import { S3Objects } from '../../lib/storage/s3-objects';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { type LakeRow, seedLake, storedRows } from '../support/lake-seed';
import { rawClient, uniquePrefix } from '../support/s3';

// The four saved Athena queries, unchanged, over a real local bucket read
// with DuckDB, against a recount of the same ops with the store's own codecs.

const s3 = rawClient();
const prefix = uniquePrefix('lake');
const DAY_MS = 24 * HOUR_MS;
type Row = Record<string, unknown>;

let lake: LocalLake;
let directory: string;
let fetched: FetchedLake;
let rows: LakeRow[];
let compacted: number;
let compactedHours: number;

beforeAll(async () => {
  const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
  await seedLake(store, Date.now());
  ({ rows, compacted, compactedHours } = await storedRows(store));
  directory = mkdtempSync(join(tmpdir(), 'observer-lake-test-'));
  fetched = await fetchLake(new S3Objects(s3, inject('s3Bucket'), prefix), directory);
  lake = await LocalLake.open(directory);
});

afterAll(() => {
  lake?.close();
  rmSync(directory, { recursive: true, force: true });
  s3.destroy();
});

const query = async (sql: string) => rowObjects(await lake.run(sql));
const athena = (file: string) => query(readFileSync(join('athena', file), 'utf-8'));

/** `yyyy/MM/dd/HH` of an instant: the dt a query's `date_format(…)` cut-off names. */
const dtOf = (ms: number) => new Date(ms).toISOString().slice(0, 13).replace(/[-T]/g, '/');
const since = (ms: number) => rows.filter((r) => r.dt >= dtOf(Date.now() - ms));
const pct = (part: number, all: number) => (100 * part) / all;

function groupBy<K extends string>(list: LakeRow[], key: (r: LakeRow) => K): Map<K, LakeRow[]> {
  const groups = new Map<K, LakeRow[]>();
  for (const r of list) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return groups;
}

/** The value at rank ceil(n·p) of the sorted values (approx_percentile here is exact). */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(sorted.length * p)) - 1] as number;
}

/**
 * The query's rows hold the expected ones (in any order, as ties may fall
 * either way): `exact` fields equal, `rounded` fields within their rounding.
 */
function expectSameRows(
  actual: Row[],
  expected: Row[],
  exact: string[],
  rounded: Record<string, number>,
) {
  const key = (r: Row) => JSON.stringify(exact.map((f) => r[f]));
  const sort = (list: Row[]) => [...list].sort((a, b) => key(a).localeCompare(key(b)));
  const got = sort(actual);
  const want = sort(expected);
  expect(got.map(key)).toEqual(want.map(key));
  got.forEach((row, i) => {
    for (const [field, decimals] of Object.entries(rounded)) {
      const diff = Math.abs(Number(row[field]) - Number(want[i]?.[field]));
      expect(diff, `${field} of ${key(row)}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
    }
  });
}

/** The rows come in ORDER BY order: each is not before the previous one by the listed fields. */
function expectOrdered(actual: Row[], order: [string, 'asc' | 'desc'][]) {
  for (let i = 1; i < actual.length; i++) {
    const [a, b] = [actual[i - 1] as Row, actual[i] as Row];
    const first = order.find(([f]) => a[f] !== b[f]);
    if (!first) continue;
    const [f, dir] = first;
    const before = (a[f] as number | string) < (b[f] as number | string);
    expect(before, `row ${i} by ${f}`).toBe(dir === 'asc');
  }
}

describe('the lake read locally', () => {
  it('holds every stored op once, from segments and every part of compacted hours alike, the damaged line skipped', async () => {
    const [counts] = await query(
      `SELECT count(*) AS n, count(_observer) AS from_compacted, count(DISTINCT dt) AS hours FROM ops`,
    );

    expect(compactedHours).toBeGreaterThanOrEqual(4);
    // Hours compacted in parts: each part is read, once.
    expect(compacted).toBeGreaterThan(compactedHours);
    expect(fetched.objects).toBeGreaterThan(compacted);
    expect(counts).toEqual({
      n: rows.length,
      from_compacted: expect.any(Number),
      hours: new Set(rows.map((r) => r.dt)).size,
    });
    expect(counts?.from_compacted).toBeGreaterThan(0);
    expect(counts?.from_compacted).toBeLessThan(rows.length);
  });

  it('has the Glue table columns of serverless.yml, with their types, and dt', async () => {
    const yml = readFileSync('serverless.yml', 'utf-8');
    const table = yml.slice(yml.indexOf('OpsTable:'), yml.indexOf('NamedQuery'));
    const glue = [...table.matchAll(/- Name: (\w+)\n\s+Type: (\w+)/g)].map(([, name, type]) => ({
      name,
      type: (
        { string: 'VARCHAR', boolean: 'BOOLEAN', double: 'DOUBLE', bigint: 'BIGINT' } as Record<
          string,
          string
        >
      )[type ?? ''],
    }));
    const partition = glue.find((c) => c.name === 'dt');

    const described = await query('DESCRIBE ops');

    expect(partition).toEqual({ name: 'dt', type: 'VARCHAR' });
    expect(described.map((c) => ({ name: c.column_name, type: c.column_type }))).toEqual([
      ...glue.filter((c) => c !== partition),
      partition,
    ]);
  });
});

describe('the saved Athena queries, run unchanged', () => {
  it('error-rate-per-endpoint-per-hour.sql counts the last 24 hours per hour and endpoint', async () => {
    const expected = [...groupBy(since(DAY_MS), (r) => `${r.dt} ${r.op.endpoint}`).values()].map(
      (g) => {
        const failures = g.filter((r) => !r.op.success).length;
        const { dt, op } = g[0] as LakeRow;
        return {
          hour: dt,
          endpoint: op.endpoint,
          ops: g.length,
          failures,
          error_rate_pct: pct(failures, g.length),
        };
      },
    );

    const actual = await athena('error-rate-per-endpoint-per-hour.sql');

    expect(expected.length).toBeGreaterThan(10);
    expect(new Set(expected.map((r) => r.hour)).size).toBeLessThan(
      new Set(rows.map((r) => r.dt)).size,
    );
    expectSameRows(actual, expected, ['hour', 'endpoint', 'ops', 'failures'], {
      error_rate_pct: 2,
    });
    expectOrdered(actual, [
      ['hour', 'desc'],
      ['error_rate_pct', 'desc'],
      ['ops', 'desc'],
    ]);
  });

  it('top-failing-staffers.sql ranks the staffers of the last 7 days by failures', async () => {
    const named = since(7 * DAY_MS).filter((r) => r.op.staffer_id !== undefined);
    const expected = [...groupBy(named, (r) => String(r.op.staffer_id)).entries()]
      .map(([staffer_id, g]) => {
        const failures = g.filter((r) => !r.op.success).length;
        const latest = Math.max(...g.map((r) => Date.parse(r.op.timestamp)));
        return {
          staffer_id,
          failures,
          ops: g.length,
          error_rate_pct: pct(failures, g.length),
          last_op: new Date(latest).toISOString(),
        };
      })
      .filter((r) => r.failures > 0);

    const actual = await athena('top-failing-staffers.sql');

    expect(expected.length).toBeGreaterThan(5);
    expectSameRows(actual, expected, ['staffer_id', 'failures', 'ops', 'last_op'], {
      error_rate_pct: 2,
    });
    expectOrdered(actual, [
      ['failures', 'desc'],
      ['error_rate_pct', 'desc'],
    ]);
  });

  it('ops-per-source-per-day.sql counts the last 30 days per UTC day and source', async () => {
    const recent = since(30 * DAY_MS);
    const expected = [
      ...groupBy(recent, (r) => `${r.dt.slice(0, 10)} ${r.op.source}`).values(),
    ].map((g) => ({
      day: (g[0] as LakeRow).dt.slice(0, 10),
      source: (g[0] as LakeRow).op.source,
      ops: g.length,
      successes: g.filter((r) => r.op.success).length,
      failures: g.filter((r) => !r.op.success).length,
    }));

    const actual = await athena('ops-per-source-per-day.sql');

    expect(recent.length).toBeLessThan(rows.length);
    expectSameRows(actual, expected, ['day', 'source', 'ops', 'successes', 'failures'], {});
    expectOrdered(actual, [
      ['day', 'desc'],
      ['ops', 'desc'],
    ]);
  });

  it('slowest-endpoints.sql gives p50, p95 and max duration of the last 7 days', async () => {
    const timed = since(7 * DAY_MS).filter((r) => r.op.duration_ms !== undefined);
    const expected = [...groupBy(timed, (r) => r.op.endpoint).entries()]
      .filter(([, g]) => g.length >= 10)
      .map(([endpoint, g]) => {
        const ms = g.map((r) => r.op.duration_ms as number);
        return {
          endpoint,
          timed_ops: g.length,
          p50_ms: nearestRank(ms, 0.5),
          p95_ms: nearestRank(ms, 0.95),
          max_ms: Math.max(...ms),
        };
      });

    const actual = await athena('slowest-endpoints.sql');

    expect(expected.length).toBeGreaterThanOrEqual(3);
    expectSameRows(actual, expected, ['endpoint', 'timed_ops'], {
      p50_ms: 1,
      p95_ms: 1,
      max_ms: 1,
    });
    expectOrdered(actual, [['p95_ms', 'desc']]);
  });
});

describe('timestamps as stored', () => {
  it('cast to TIMESTAMPTZ, each at the instant the client sent, whatever form it used', async () => {
    const cast = await query(
      `SELECT "timestamp", client_timestamp, epoch_ms(CAST("timestamp" AS TIMESTAMPTZ)) AS ms FROM ops`,
    );

    const forms = new Set(cast.map((r) => String(r.client_timestamp).replace(/\d/g, '9')));
    expect(forms.size).toBeGreaterThanOrEqual(5);
    for (const r of cast) {
      const sent = String(r.client_timestamp ?? r.timestamp).toUpperCase();
      expect(r.ms, `${r.timestamp} sent as ${sent}`).toBe(Date.parse(sent));
    }
  });

  it('order as instants: max("timestamp") is the latest op', async () => {
    const latest = Math.max(...rows.map((r) => Date.parse(r.op.timestamp)));

    const [row] = await query(
      `SELECT max("timestamp") AS text, epoch_ms(max(CAST("timestamp" AS TIMESTAMPTZ))) AS ms FROM ops`,
    );

    expect(row).toEqual({ text: new Date(latest).toISOString(), ms: latest });
  });
});
