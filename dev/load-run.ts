// A bounded load run against a local observer: POST /observer/event from
// many concurrent clients, then a check of what S3 holds. Used by
// `npm run load` (scripts/load.ts) and by the load test in test/e2e.
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapLimit } from '../lib/platform/concurrency';
import { listKeysIn } from './s3-tools';

/** What a load run sent and got back. */
export interface LoadResult {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /** Requests that got no HTTP answer at all (refused, reset, timed out). */
  noAnswer: number;
  /** S3 key (below the prefix) → the endpoint of the op acknowledged under it. */
  acked: Map<string, string>;
  /** Milliseconds per request, sorted ascending. */
  latenciesMs: number[];
  elapsedMs: number;
}

/** How a load run is bounded. */
export interface LoadOptions {
  /** The service's base URL; only a loopback address is accepted. */
  url: string;
  events: number;
  concurrency: number;
  /** No request starts after this many milliseconds. */
  maxMs: number;
  token?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Sends `events` ops, `concurrency` at a time, and records every answer. */
export async function sendLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL('/observer/event', options.url);
  if (!LOOPBACK.has(target.hostname)) {
    throw new Error(`load runs target loopback addresses only, not ${target.hostname}`);
  }
  const started = performance.now();
  const result: LoadResult = {
    sent: 0,
    statuses: {},
    noAnswer: 0,
    acked: new Map(),
    latenciesMs: [],
    elapsedMs: 0,
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  await mapLimit(
    Array.from({ length: options.events }, (_, i) => i),
    options.concurrency,
    async (i) => {
      const endpoint = `load/${i}`;
      const body = JSON.stringify({
        endpoint,
        success: i % 4 !== 0,
        source: i % 5 === 0 ? 'scenario' : 'mcp',
        duration_ms: i % 1000,
      });
      result.sent++;
      const t0 = performance.now();
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers,
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const answer = (await res.json()) as { key?: string };
        result.latenciesMs.push(performance.now() - t0);
        result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
        if (res.status === 201 && answer.key) result.acked.set(answer.key, endpoint);
      } catch {
        result.noAnswer++;
      }
    },
    () => performance.now() - started > options.maxMs,
  );
  result.elapsedMs = performance.now() - started;
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}

/** What S3 holds compared with what was acknowledged. */
export interface S3Check {
  /** Segments under the prefix. */
  found: number;
  /** Acknowledged keys with no object. */
  missing: string[];
  /** Objects nobody was told about. */
  unacknowledged: string[];
  /** Objects whose op is not the one acknowledged under their key. */
  mismatched: string[];
}

/** Lists every segment under the prefix and reads each one back. */
export async function checkS3(
  client: S3Client,
  bucket: string,
  prefix: string,
  acked: ReadonlyMap<string, string>,
): Promise<S3Check> {
  const keys = (await listKeysIn(client, bucket, `${prefix}ops/`)).map((k) =>
    k.slice(prefix.length),
  );
  const stored = new Set(keys);
  const mismatched = (
    await mapLimit(keys, 32, async (key) => {
      const expected = acked.get(key);
      if (expected === undefined) return undefined;
      const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
      const text = (await res.Body?.transformToString('utf-8')) ?? '';
      const lines = text.split('\n').filter((l) => l !== '');
      const ok =
        lines.length === 1 &&
        (JSON.parse(lines[0] as string) as { endpoint?: string }).endpoint === expected;
      return ok ? undefined : key;
    })
  ).filter((k): k is string => k !== undefined);
  return {
    found: keys.length,
    missing: [...acked.keys()].filter((k) => !stored.has(k)),
    unacknowledged: keys.filter((k) => !acked.has(k)),
    mismatched,
  };
}

/** Answers with a status of 500 or more. */
export function serverErrors(result: LoadResult): number {
  return Object.entries(result.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((n, [, count]) => n + count, 0);
}
