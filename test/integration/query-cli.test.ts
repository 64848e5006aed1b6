import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { seedLake, storedRows } from '../support/lake-seed';
import { rawClient, uniquePrefix } from '../support/s3';

// `npm run query` as a person runs it: a process of its own, over the test S3.

const run = promisify(execFile);
const s3 = rawClient();
const prefix = uniquePrefix('query-cli');
let stored: number;

beforeAll(async () => {
  const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
  await seedLake(store, Date.now(), 7);
  stored = (await storedRows(store)).rows.length;
});

afterAll(() => s3.destroy());

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script over the test S3; `env` adds to its environment, and takes out what it sets to undefined. */
async function query(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Outcome> {
  const merged: Record<string, string | undefined> = {
    ...process.env,
    S3_ENDPOINT: inject('s3Endpoint'),
    OBSERVER_BUCKET: inject('s3Bucket'),
    OBSERVER_PREFIX: prefix,
    ...env,
  };
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/query.ts', ...args],
      {
        env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)),
        timeout: 300_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('npm run query', () => {
  it('prints the rows of --sql as JSON with --json', async () => {
    const out = await query([
      '--json',
      '--sql',
      "SELECT count(*) AS ops, count_if(dt LIKE '____/__/__/__') AS with_dt FROM ops",
    ]);

    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual([{ ops: stored, with_dt: stored }]);
    expect(out.stderr).toMatch(
      /^read \d+ objects \(\d+ bytes\) from s3:\/\/observer-test\/query-cli-/,
    );
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])(
    'reads the embedded S3 of npm start on S3_PORT when S3_ENDPOINT is %s',
    async (_label, endpoint) => {
      const port = new URL(inject('s3Endpoint')).port;

      const out = await query(['--json', '--sql', 'SELECT count(*) AS ops FROM ops'], {
        S3_ENDPOINT: endpoint,
        S3_PORT: port,
      });

      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual([{ ops: stored }]);
      expect(out.stderr).toContain(`at http://127.0.0.1:${port}`);
    },
  );

  it('prints a saved query file as a table', async () => {
    const out = await query(['athena/ops-per-source-per-day.sql']);

    const lines = out.stdout.trimEnd().split('\n');
    expect(out.code).toBe(0);
    expect(lines[0]).toMatch(/^day\s+\| source\s+\| ops \| successes \| failures$/);
    expect(lines[1]).toMatch(/^-+-\+-/);
    expect(lines.at(-1)).toBe(`(${lines.length - 3} rows)`);
    expect(lines.length - 3).toBeGreaterThan(4);
  });

  it.each([
    ['no query', [], /give a SQL file or --sql/],
    ['a file and --sql', ['athena/slowest-endpoints.sql', '--sql', 'SELECT 1'], /one of the two/],
    ['an unknown option', ['--csv', '--sql', 'SELECT 1'], /Unknown option '--csv'/],
    ['a missing file', ['athena/nothing.sql'], /cannot read athena\/nothing.sql: ENOENT/],
    ['comments only', ['--sql', ' -- nothing here'], /no SQL in --sql/],
  ])('refuses %s with a message and exit code 2', async (_label, args, message) => {
    const out = await query(args);

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toContain('usage: npm run query');
    expect(out.stdout).toBe('');
  });

  it('refuses a bad bucket name before any request, with exit code 2', async () => {
    const out = await query(['--sql', 'SELECT 1'], { OBSERVER_BUCKET: 'Not_A_Bucket' });

    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/OBSERVER_BUCKET must be an S3 bucket name/);
  });

  it('says what DuckDB refused, with exit code 1', async () => {
    const out = await query(['--sql', 'SELECT no_such_column FROM ops']);

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^query failed: .*no_such_column/m);
  });

  it('says which S3 it could not reach, with exit code 1', async () => {
    const out = await query(['--sql', 'SELECT 1'], { S3_ENDPOINT: 'http://127.0.0.1:9' });

    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/cannot list s3:\/\/observer-test\/query-cli-.*ECONNREFUSED/);
    expect(out.stderr).toContain('npm start');
  });
});
