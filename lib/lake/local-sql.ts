import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, DuckDBTypeId } from '@duckdb/node-api';
import type { S3Objects } from '../storage/s3-objects';
import { type FetchedLake, fetchLake } from './lake-fetch';

/**
 * The Glue table `ops` (serverless.yml, OpsTable) as DuckDB columns, in its
 * order; `dt` is the partition, taken from the object's key.
 */
export const OPS_COLUMNS = [
  ['endpoint', 'VARCHAR'],
  ['success', 'BOOLEAN'],
  ['timestamp', 'VARCHAR'],
  ['source', 'VARCHAR'],
  ['id', 'VARCHAR'],
  ['duration_ms', 'DOUBLE'],
  ['staffer_id', 'VARCHAR'],
  ['event_kind', 'VARCHAR'],
  ['role', 'VARCHAR'],
  ['error', 'VARCHAR'],
  ['input_summary', 'VARCHAR'],
  ['output_summary', 'VARCHAR'],
  ['trace_id', 'VARCHAR'],
  ['span_id', 'VARCHAR'],
  ['parent_span_id', 'VARCHAR'],
  ['conversation_id', 'VARCHAR'],
  ['scenario', 'VARCHAR'],
  ['model', 'VARCHAR'],
  ['input_tokens', 'BIGINT'],
  ['output_tokens', 'BIGINT'],
  ['client_timestamp', 'VARCHAR'],
  ['_observer', 'VARCHAR'],
] as const;

/** Presto's date_format specifiers (MySQL style) that strftime writes differently, in replacement order. */
const DATE_FORMAT_SPECIFIERS: ReadonlyArray<[string, string]> = [
  ['%M', '%B'],
  ['%W', '%A'],
  ['%i', '%M'],
  ['%s', '%S'],
  ['%T', '%H:%M:%S'],
  ['%r', '%I:%M:%S %p'],
  ['%h', '%I'],
  ['%e', '%-d'],
  ['%c', '%-m'],
];

/**
 * Athena (Presto/Trino) functions the saved queries and docs use that
 * DuckDB names otherwise. approx_percentile is exact here (nearest rank).
 */
const ATHENA_MACROS = [
  `CREATE MACRO date_format(ts, fmt) AS strftime(ts, ${DATE_FORMAT_SPECIFIERS.reduce(
    (expr, [from, to]) => `replace(${expr}, '${from}', '${to}')`,
    'fmt',
  )})`,
  'CREATE MACRO approx_percentile(x, p) AS quantile_disc(x, p)',
  'CREATE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
  'CREATE MACRO json_extract_scalar(j, path) AS json_extract_string(j, path)',
];

/** A query failed in DuckDB; the message is DuckDB's. */
export class LocalSqlError extends Error {
  override name = 'LocalSqlError';
}

/** A query's answer: its columns (name, DuckDB type) and rows as JSON values. */
export interface SqlResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}

/**
 * An in-memory DuckDB whose table `ops` holds every line of the objects a
 * lake fetch copied into a folder: the Glue table's columns, read from each
 * JSON object line (keys matched case-sensitively, a malformed line skipped,
 * as the table's SerDe does), and `dt` from the key. Time zone UTC, as in
 * Athena; no extension is installed or loaded from the network.
 */
export class LocalLake {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /** The lake over the objects copied into `directory` (see fetchLake). */
  static async open(directory: string): Promise<LocalLake> {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
    const lake = new LocalLake(instance, await instance.connect());
    try {
      await lake.connection.run("SET TimeZone = 'UTC'");
      for (const macro of ATHENA_MACROS) await lake.connection.run(macro);
      const files = (await hasObjects(directory))
        ? `read_ndjson_objects(${literal(join(directory, 'ops', '*', '*', '*', '*', '*'))}, filename = true, ignore_errors = true)`
        : '(SELECT NULL::JSON AS json, NULL::VARCHAR AS filename WHERE false)';
      await lake.connection.run(opsTableSql(files));
    } catch (err: unknown) {
      lake.close();
      throw new LocalSqlError(`the table ops could not be built: ${messageOf(err)}`, {
        cause: err,
      });
    }
    return lake;
  }

  /** Runs SQL (the last statement's rows are the answer); a LocalSqlError if DuckDB refuses it. */
  async run(sql: string): Promise<SqlResult> {
    try {
      const reader = await this.connection.runAndReadAll(sql);
      const types = reader.columnTypes();
      const columns = reader.columnNames().map((name, i) => ({ name, type: String(types[i]) }));
      const numeric = types.map((t) => NUMERIC.has(t.typeId));
      const rows = reader
        .getRowsJson()
        .map((row) => row.map((v, i) => (numeric[i] ? toNumber(v) : v)));
      return { columns, rows };
    } catch (err: unknown) {
      throw new LocalSqlError(messageOf(err), { cause: err });
    }
  }

  /** Frees the database. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/**
 * Copies the bucket's lake into a temporary folder, opens it as a LocalLake
 * and hands both to `use`; the folder and the database are gone afterwards.
 */
export async function withBucketLake<T>(
  objects: S3Objects,
  use: (lake: LocalLake, fetched: FetchedLake) => Promise<T>,
): Promise<T> {
  const directory = await mkdtemp(join(tmpdir(), 'observer-lake-'));
  try {
    const fetched = await fetchLake(objects, directory);
    const lake = await LocalLake.open(directory);
    try {
      return await use(lake, fetched);
    } finally {
      lake.close();
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** The rows as objects keyed by column name (a later column of the same name wins). */
export function rowObjects(result: SqlResult): Record<string, unknown>[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])),
  );
}

/** The JSON value types a non-string column takes. */
const JSON_TYPES: Record<'BOOLEAN' | 'DOUBLE' | 'BIGINT', string> = {
  BOOLEAN: "'BOOLEAN'",
  DOUBLE: "'BIGINT', 'UBIGINT', 'DOUBLE'",
  BIGINT: "'BIGINT', 'UBIGINT'",
};

function opsTableSql(files: string): string {
  const columns = OPS_COLUMNS.map(([name, type]) => {
    const field = literal(name);
    const value =
      type === 'VARCHAR'
        ? // A string column over an object or array reads its JSON text, as the OpenX SerDe does.
          `CASE WHEN json_type(json -> ${field}) IN ('OBJECT', 'ARRAY') THEN CAST(json -> ${field} AS VARCHAR) ELSE json ->> ${field} END`
        : // A value of another JSON type ("true", "12") reads NULL rather than a guess.
          `CASE WHEN json_type(json -> ${field}) IN (${JSON_TYPES[type]}) THEN CAST(json -> ${field} AS ${type}) END`;
    return `${value} AS "${name}"`;
  });
  return `CREATE TABLE ops AS SELECT ${columns.join(', ')},
    regexp_extract(filename, 'ops/(\\d{4}/\\d{2}/\\d{2}/\\d{2})/[^/]+$', 1) AS dt
    FROM ${files} WHERE json_type(json) = 'OBJECT'`;
}

async function hasObjects(directory: string): Promise<boolean> {
  try {
    return (await readdir(join(directory, 'ops'))).length > 0;
  } catch {
    return false;
  }
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
]);

// DuckDB's JSON form writes 64-bit integers and decimals as strings; a number when it is exact enough.
function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const n = Number(value);
  if (!Number.isFinite(n)) return value;
  return Number.isInteger(n) && !Number.isSafeInteger(n) ? value : n;
}
