// `npm run query -- athena/<file>.sql` or `npm run query -- --sql "SELECT …"`:
// the lake's SQL on this machine. Copies every object under ops/ of a bucket
// (the S3 of `npm start`, on S3_PORT as npm start puts it, unless
// S3_ENDPOINT, OBSERVER_BUCKET, OBSERVER_PREFIX say otherwise) and runs the query with DuckDB over a table `ops` shaped as
// the Glue table. Prints a table, or the rows as JSON with --json.
// Exits 2 on bad arguments or settings, 1 when the bucket or the query fails.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LakeSourceError } from '../lib/lake/lake-fetch';
import { LocalSqlError, rowObjects, withBucketLake } from '../lib/lake/local-sql';
import { formatTable } from '../lib/lake/result-table';
import { ConfigError, loadConfig } from '../lib/platform/config';
import { createS3Client } from '../lib/storage/s3-client';
import { S3Objects } from '../lib/storage/s3-objects';

const USAGE =
  'usage: npm run query -- <file.sql> [--json]   or   npm run query -- --sql "<SQL>" [--json]';
const DEFAULT_BUCKET = 'observer-local';

/** Bad arguments or settings: the message says which. */
class UsageError extends Error {
  override name = 'UsageError';
}

const ArgsSchema = z
  .object({
    files: z.array(z.string()).max(1, { error: 'give one SQL file, not several' }),
    sql: z.string().optional(),
    json: z.boolean(),
  })
  .refine((a) => (a.files.length === 1) !== (a.sql !== undefined), {
    error: 'give a SQL file or --sql "<SQL>", one of the two',
  });

async function readQuery(argv: string[]): Promise<{ sql: string; json: boolean }> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err: unknown) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const args = ArgsSchema.safeParse({
    files: parsed.positionals,
    sql: parsed.values.sql,
    json: parsed.values.json ?? false,
  });
  if (!args.success) throw new UsageError(args.error.issues.map((i) => i.message).join('; '));
  const { files, sql, json } = args.data;
  const file = files[0];
  let text = sql ?? '';
  if (file !== undefined) {
    try {
      text = await readFile(file, 'utf-8');
    } catch (err: unknown) {
      throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  // Comments and blanks only is no query.
  if (text.replace(/--[^\n]*/g, '').trim() === '') {
    throw new UsageError(`no SQL in ${file ?? '--sql'}`);
  }
  return { sql: text, json };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { sql: { type: 'string' }, json: { type: 'boolean' } },
  });
}

function lakeObjects(env: NodeJS.ProcessEnv): { objects: S3Objects; where: string } {
  let config: ReturnType<typeof loadConfig>;
  try {
    // Only the settings that name the bucket; the function's other settings play no part here.
    config = loadConfig({
      OBSERVER_BUCKET: env.OBSERVER_BUCKET || DEFAULT_BUCKET,
      OBSERVER_PREFIX: env.OBSERVER_PREFIX,
      // Empty is unset, as for npm start: its embedded S3, on the port it gives it.
      S3_ENDPOINT: env.S3_ENDPOINT || `http://127.0.0.1:${env.S3_PORT || 4569}`,
      S3_ACCESS_KEY_ID: env.S3_ACCESS_KEY_ID,
      S3_SECRET_ACCESS_KEY: env.S3_SECRET_ACCESS_KEY,
      AWS_REGION: env.AWS_REGION,
    });
  } catch (err: unknown) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const objects = new S3Objects(createS3Client(config), config.bucket, config.prefix);
  return { objects, where: `s3://${config.bucket}/${config.prefix}ops/ at ${config.s3Endpoint}` };
}

function causes(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.filter((m) => m !== '').join(': ');
}

async function main(): Promise<number> {
  // The SDK's notice about Node 20 support says nothing about this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  try {
    const { sql, json } = await readQuery(process.argv.slice(2));
    const { objects, where } = lakeObjects(process.env);
    const result = await withBucketLake(objects, async (lake, fetched) => {
      console.error(`read ${fetched.objects} objects (${fetched.bytes} bytes) from ${where}`);
      return lake.run(sql);
    });
    console.log(json ? JSON.stringify(rowObjects(result), null, 2) : formatTable(result));
    return 0;
  } catch (err: unknown) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      return 2;
    }
    if (err instanceof LakeSourceError) {
      console.error(
        `${causes(err)}\n(is \`npm start\` running, or S3_ENDPOINT/OBSERVER_BUCKET set?)`,
      );
      return 1;
    }
    if (err instanceof LocalSqlError) {
      console.error(`query failed: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main();
