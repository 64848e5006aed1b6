import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { isLakeKey } from '../../../lib/lake/lake-fetch';
import { LocalLake, OPS_COLUMNS, rowObjects, type SqlResult } from '../../../lib/lake/local-sql';
import { formatTable } from '../../../lib/lake/result-table';

const folders: string[] = [];
const lakes: LocalLake[] = [];

afterEach(() => {
  for (const lake of lakes.splice(0)) lake.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A lake folder holding the given objects (key → bytes), opened. */
async function lakeOf(objects: Record<string, string | Buffer>): Promise<LocalLake> {
  const folder = mkdtempSync(join(tmpdir(), 'observer-lake-unit-'));
  folders.push(folder);
  for (const [key, body] of Object.entries(objects)) {
    mkdirSync(join(folder, key, '..'), { recursive: true });
    writeFileSync(join(folder, key), body);
  }
  const lake = await LocalLake.open(folder);
  lakes.push(lake);
  return lake;
}

const all = async (lake: LocalLake, sql: string) => rowObjects(await lake.run(sql));
const line = (value: unknown) => `${JSON.stringify(value)}\n`;
const TS = '2026-11-24T21:15:03.123Z';

describe('LocalLake', () => {
  it('reads each JSON object line as a row, skipping lines that are not JSON objects', async () => {
    const lake = await lakeOf({
      'ops/2026/11/24/21/20261124T211503123Z-a000000.jsonl': `${line({ endpoint: 'a', timestamp: TS })}{"endpoint":\n[1,2]\n5\n\n${line({ endpoint: 'b', timestamp: TS })}`,
      'ops/2026/11/24/21/20261124T211503124Z-b000000.jsonl': '',
    });

    expect(await all(lake, 'SELECT endpoint, dt FROM ops ORDER BY endpoint')).toEqual([
      { endpoint: 'a', dt: '2026/11/24/21' },
      { endpoint: 'b', dt: '2026/11/24/21' },
    ]);
  });

  it('reads a gzipped compacted hour like a segment, dt from its key', async () => {
    const compacted = gzipSync(
      line({ endpoint: 'c', success: true, timestamp: TS, _observer: { segment: 's', line: 0 } }),
    );
    const lake = await lakeOf({
      'ops/2026/11/23/05/20261123T055959999Z-compacted.jsonl.gz': compacted,
    });

    expect(await all(lake, 'SELECT endpoint, success, _observer, dt FROM ops')).toEqual([
      { endpoint: 'c', success: true, _observer: '{"segment":"s","line":0}', dt: '2026/11/23/05' },
    ]);
  });

  it('reads every part of an hour compacted in parts, and the segments beside them', async () => {
    const row = (endpoint: string) =>
      line({ endpoint, success: true, timestamp: TS, _observer: { segment: 's', line: 0 } });
    const hour = 'ops/2026/11/23/05/20261123T055959999Z';
    const lake = await lakeOf({
      [`${hour}-part-20261123T050000000Z.jsonl.gz`]: gzipSync(row('p0a') + row('p0b')),
      [`${hour}-part-20261123T052000000Z.jsonl.gz`]: gzipSync(row('p1')),
      [`${hour}-part-20261123T054000000Z.jsonl.gz`]: gzipSync(''),
      'ops/2026/11/23/05/20261123T055000000Z-late000000.jsonl': line({
        endpoint: 'late',
        timestamp: TS,
      }),
    });

    expect(await all(lake, 'SELECT endpoint, dt FROM ops ORDER BY endpoint')).toEqual(
      ['late', 'p0a', 'p0b', 'p1'].map((endpoint) => ({ endpoint, dt: '2026/11/23/05' })),
    );
  });

  it('reads columns as the SerDe does: lowercase keys only, JSON text for nested values, NULL for a wrong type', async () => {
    const lake = await lakeOf({
      'ops/2026/11/24/21/x.jsonl': `${line({
        Endpoint: 'upper',
        success: 'yes',
        timestamp: TS,
        duration_ms: 'slow',
        error: { code: 7, why: ['x'] },
        staffer_id: null,
      })}${line({ endpoint: 'typed', success: true, timestamp: TS, duration_ms: 42 })}`,
    });

    expect(
      await all(
        lake,
        'SELECT endpoint, success, duration_ms, error, staffer_id FROM ops ORDER BY endpoint',
      ),
    ).toEqual([
      { endpoint: 'typed', success: true, duration_ms: 42, error: null, staffer_id: null },
      {
        endpoint: null,
        success: null,
        duration_ms: null,
        error: '{"code":7,"why":["x"]}',
        staffer_id: null,
      },
    ]);
  });

  it('has an empty table ops with every column when the bucket holds no ops', async () => {
    const lake = await lakeOf({});

    const result = await lake.run('SELECT * FROM ops');

    expect(result.rows).toEqual([]);
    expect(result.columns.map((c) => c.name)).toEqual([...OPS_COLUMNS.map(([name]) => name), 'dt']);
  });

  it('speaks the Athena functions the saved queries and docs use, in UTC', async () => {
    const lake = await lakeOf({});

    const [row] = await all(
      lake,
      `SELECT date_format(TIMESTAMPTZ '2026-11-24 21:05:09+02', '%Y/%m/%d/%H:%i:%s') AS formatted,
        (SELECT approx_percentile(v, 0.95) FROM range(1, 11) t(v)) AS p95,
        epoch_ms(from_iso8601_timestamp('2026-11-24T21:15:03.5-01:00')) AS ms,
        json_extract_scalar('{"segment":"k"}', '$.segment') AS segment`,
    );

    expect(row).toEqual({
      formatted: '2026/11/24/19:05:09',
      p95: 10,
      ms: Date.parse('2026-11-24T22:15:03.500Z'),
      segment: 'k',
    });
  });
});

describe('isLakeKey', () => {
  it.each([
    ['ops/2026/11/24/21/20261124T211503123Z-a000000.jsonl', true],
    ['ops/2026/11/24/21/20261124T215959999Z-compacted.jsonl.gz', true],
    ['ops/2026/11/24/21/anything-else.txt', true],
    ['ops/2026/11/24/21/', false],
    ['ops/2026/11/24/21/deeper/x.jsonl', false],
    ['ops/2026/11/24/x.jsonl', false],
    ['stats/2026/11/24/21/05.json', false],
  ])('%s → %s', (key, expected) => {
    expect(isLakeKey(key)).toBe(expected);
  });
});

describe('formatTable', () => {
  const result: SqlResult = {
    columns: [
      { name: 'endpoint', type: 'VARCHAR' },
      { name: 'ops', type: 'BIGINT' },
      { name: 'p95_ms', type: 'DOUBLE' },
    ],
    rows: [
      ['tools/call/search', 12, 101.5],
      ['x\ny', 3, null],
    ],
  };

  it('aligns text left and numbers right, writes NULL, and counts the rows', () => {
    expect(formatTable(result)).toBe(
      [
        'endpoint          | ops | p95_ms',
        '------------------+-----+-------',
        'tools/call/search |  12 |  101.5',
        'x y               |   3 |   NULL',
        '(2 rows)',
      ].join('\n'),
    );
  });
});
