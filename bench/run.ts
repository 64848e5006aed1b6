// `npm run bench`: measures the service against the physical limit of its
// storage, a local S3 server in its own process, and writes bench/results.json.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawnLocalS3 } from '../dev/local-s3';
import { percentile } from '../dev/percentile';
import { countRequests, localS3Client } from '../dev/s3-tools';
import { type ObservedOp, parseOp } from '../lib/domain/op';
import type { HttpEvent, HttpResult } from '../lib/http/response';
import { mapLimit } from '../lib/platform/concurrency';
import { Observer } from '../lib/ring/observer';
import { Ring } from '../lib/ring/ring';
import { writeSnapshot } from '../lib/stats/writer';
import { HOUR_MS, segmentKey } from '../lib/storage/keys';
import { createS3Client } from '../lib/storage/s3-client';
import { S3SegmentStore } from '../lib/storage/s3-store';
import { type SegmentStore, storeView } from '../lib/storage/store';
import { clientBench } from './client';
import { compactionBench } from './compaction';
import {
  type BenchResults,
  COMPACTION_FIGURES,
  printFigures,
  READ_PATH_FIGURES,
  round,
  TAIL_SEGMENTS,
} from './figures';
import { otlpIngest } from './otlp';
import { readPathBench } from './read-path';
import { startThroughputApart } from './start-throughput';

const BUCKET = 'observer-bench';
const CONCURRENCY = 16;
const INGEST_OPS = Number(process.env.BENCH_INGEST_OPS ?? 6000);
const HISTORY_OPS = Number(process.env.BENCH_HISTORY_OPS ?? 20_000);
const WARM_CALLS = 300;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const quiet = () => {
  // Keep the figures readable: the service logs one JSON line per request and
  // writes one metrics line per invocation, as in Lambda (compact JSON). Both
  // are built, so their cost counts, but a JSON line is not written out.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      typeof chunk === 'string' && chunk.startsWith('{')
        ? true
        : write(chunk, ...rest)) as typeof stream.write;
  }
};

/** A typical op, as agent loops send them. */
function typicalOp(i: number): Record<string, unknown> {
  return {
    endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
    success: i % 7 !== 0,
    source: i % 3 === 0 ? 'scenario' : 'mcp',
    staffer_id: `w-${i % 50}`,
    event_kind: 'tool_call',
    role: ['welder', 'fitter', 'planner'][i % 3],
    duration_ms: 40 + (i % 200),
    input_summary: `query for item ${i}: find the relevant section and summarize it`,
    output_summary: `ok: 3 results, first at line ${i % 400}`,
  };
}

function postEvent(body: string): HttpEvent {
  return {
    version: '2.0',
    routeKey: 'POST /observer/event',
    rawPath: '/observer/event',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/observer/event',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: 'POST /observer/event',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    body,
  };
}

const getStatsEvent: HttpEvent = {
  ...postEvent(''),
  routeKey: 'GET /observer/stats',
  rawPath: '/observer/stats',
  body: undefined,
};

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Handler vs raw PutObject of the same bytes, same concurrency, alternating rounds. */
async function ingest(
  handler: (e: HttpEvent) => Promise<HttpResult>,
  raw: S3Client,
): Promise<Record<string, number>> {
  const bodies = Array.from({ length: INGEST_OPS }, (_, i) => JSON.stringify(typicalOp(i)));
  const rounds = 10;
  const per = Math.floor(INGEST_OPS / rounds);
  let handlerMs = 0;
  let rawMs = 0;
  let failures = 0;
  const runRaw = (slice: string[], r: number) =>
    timed(() =>
      mapLimit(slice, CONCURRENCY, async (body, i) => {
        await raw.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `raw/${segmentKey(new Date(), `r${r}x${i}`)}`,
            Body: `${body}\n`,
            ContentType: 'application/x-ndjson',
            IfNoneMatch: '*',
          }),
        );
      }),
    );
  const runHandler = (slice: string[]) =>
    timed(() =>
      mapLimit(slice, CONCURRENCY, async (body) => {
        const res = await handler(postEvent(body));
        if (res.statusCode !== 201) failures++;
      }),
    );
  for (let r = 0; r < rounds; r++) {
    const slice = bodies.slice(r * per, (r + 1) * per);
    // Alternate which goes first, so warm-up and drift fall on both alike.
    if (r % 2 === 0) {
      rawMs += (await runRaw(slice, r)).ms;
      handlerMs += (await runHandler(slice)).ms;
    } else {
      handlerMs += (await runHandler(slice)).ms;
      rawMs += (await runRaw(slice, r)).ms;
    }
  }
  if (failures > 0) throw new Error(`${failures} ingest requests were not acknowledged`);
  const ops = per * rounds;
  const handlerRate = ops / (handlerMs / 1000);
  const rawRate = ops / (rawMs / 1000);
  return {
    concurrency: CONCURRENCY,
    handler_ops_per_s: round(handlerRate, 1),
    raw_put_ops_per_s: round(rawRate, 1),
    ratio: round(handlerRate / rawRate, 3),
  };
}

function observerOver(store: SegmentStore, now?: () => number): Observer {
  return new Observer(store, {
    cap: 2000,
    skewMs: 30_000,
    coldStartHours: 168,
    ...(now ? { now } : {}),
  });
}

/** Batches of 100 vs single-op posts, same concurrency: throughput and S3 PUTs per op. */
async function batchPath(
  single: (e: HttpEvent) => Promise<HttpResult>,
  batch: (e: HttpEvent) => Promise<HttpResult>,
  requests: Record<string, number>,
): Promise<Record<string, number>> {
  const size = 100;
  const singleOps = 1600;
  const batchOps = 20_000;
  const post = async (fn: (e: HttpEvent) => Promise<HttpResult>, path: string, body: string) => {
    const res = await fn({ ...postEvent(body), rawPath: path, routeKey: `POST ${path}` });
    if (res.statusCode !== 201) throw new Error(`${path} answered ${res.statusCode}`);
  };
  const singleRun = await timed(() =>
    mapLimit(
      Array.from({ length: singleOps }, (_, i) => i),
      CONCURRENCY,
      (i) => post(single, '/observer/event', JSON.stringify(typicalOp(i))),
    ),
  );
  for (const k of Object.keys(requests)) delete requests[k];
  const batches = Array.from({ length: batchOps / size }, (_, b) =>
    // Every op with an id, as an idempotent client sends them: ids cost no PUT.
    JSON.stringify(
      Array.from({ length: size }, (_, i) => ({ ...typicalOp(b * size + i), id: `b-${b}-${i}` })),
    ),
  );
  const batchRun = await timed(() =>
    mapLimit(batches, CONCURRENCY, (body) => post(batch, '/observer/events', body)),
  );
  const singleRate = singleOps / (singleRun.ms / 1000);
  const batchRate = batchOps / (batchRun.ms / 1000);
  return {
    batch_size: size,
    concurrency: CONCURRENCY,
    single_ops_per_s: round(singleRate, 1),
    batch_ops_per_s: round(batchRate, 1),
    speedup: round(batchRate / singleRate, 1),
    puts_per_op: round((requests.PutObjectCommand ?? 0) / batchOps, 4),
  };
}

/** ≥ 20,000 historical ops over the last hours, a checkpoint, then 300 tail segments. */
async function coldStart(endpoint: string): Promise<Record<string, number>> {
  const client = localS3Client(endpoint);
  const prefix = 'cold/';
  const store = new S3SegmentStore(client, BUCKET, prefix);
  const end = Date.now() - 120_000;
  const start = end - 10 * HOUR_MS;
  const stored = (i: number): ObservedOp => {
    const parsed = parseOp(typicalOp(i), new Date(start + i));
    if (!parsed.ok) throw new Error('bad op');
    return parsed.op;
  };
  process.stdout.write(`seeding ${HISTORY_OPS} historical ops over 10 hours ...\n`);
  await mapLimit(
    Array.from({ length: HISTORY_OPS }, (_, i) => i),
    32,
    (i) => store.append([stored(i)], new Date(start + ((end - start) * i) / HISTORY_OPS)),
  );
  await writeSnapshot(observerOver(store, () => end));
  await mapLimit(
    Array.from({ length: TAIL_SEGMENTS }, (_, i) => i),
    32,
    (i) => store.append([stored(HISTORY_OPS + i)], new Date(end + 1000 + i * 100)),
  );

  const measure = async (useCheckpoint: boolean) => {
    const counting = localS3Client(endpoint);
    const requests = countRequests(counting);
    const s = new S3SegmentStore(counting, BUCKET, prefix);
    // Without a checkpoint: the same store, as if none had ever been written.
    const view = useCheckpoint ? s : storeView(s, { getDocument: async () => undefined });
    const { ms, value } = await timed(() => observerOver(view).stats());
    if (value.stats.total !== 2000) throw new Error(`cold start held ${value.stats.total} ops`);
    counting.destroy();
    return { ms, requests: Object.values(requests).reduce((a, b) => a + b, 0) };
  };
  const without = await measure(false);
  const withCp = await measure(true);
  client.destroy();
  return {
    history_ops: HISTORY_OPS,
    tail_segments: TAIL_SEGMENTS,
    with_checkpoint_ms: round(withCp.ms, 1),
    with_checkpoint_requests: withCp.requests,
    without_checkpoint_ms: round(without.ms, 1),
    without_checkpoint_requests: without.requests,
  };
}

/** The stats handler, warm, full ring, nothing new. */
async function warmStats(
  handler: (e: HttpEvent) => Promise<HttpResult>,
  requests: Record<string, number>,
): Promise<Record<string, number>> {
  await handler(getStatsEvent);
  await handler(getStatsEvent);
  for (const k of Object.keys(requests)) delete requests[k];
  const times: number[] = [];
  for (let i = 0; i < WARM_CALLS; i++) {
    const { ms, value } = await timed(() => handler(getStatsEvent));
    if (value.statusCode !== 200) throw new Error(`stats answered ${value.statusCode}`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const total = Object.values(requests).reduce((a, b) => a + b, 0);
  return {
    p50_ms: round(percentile(times, 0.5), 3),
    p99_ms: round(percentile(times, 0.99), 3),
    s3_requests_per_call: round(total / WARM_CALLS, 3),
  };
}

/** Stats CPU with a full ring ÷ with 10 ops (no I/O: the counters alone). */
function statsCpuRatio(): number {
  const ringOf = (n: number) => {
    const ring = new Ring(2000);
    for (let i = 0; i < n; i++) {
      const parsed = parseOp(typicalOp(i), new Date(1_700_000_000_000 + i));
      if (!parsed.ok) throw new Error('bad op');
      ring.insert({
        key: segmentKey(new Date(1_700_000_000_000 + i), `k${i}`),
        line: 0,
        op: parsed.op,
      });
    }
    return ring;
  };
  const time = (ring: Ring) => {
    const iterations = 20_000;
    for (let i = 0; i < 2000; i++) ring.stats();
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) ring.stats();
    return (performance.now() - t0) / iterations;
  };
  const full = ringOf(2000);
  const small = ringOf(10);
  // Interleave to cancel drift; take the median of five rounds.
  const ratios = Array.from({ length: 5 }, () => time(full) / time(small)).sort((a, b) => a - b);
  return round(ratios[2] ?? 0, 3);
}

/** Heap held by a full ring of typical ops. */
function ringHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench does)');
  const ops = Array.from({ length: 2000 }, (_, i) => JSON.stringify(typicalOp(i)));
  gc();
  const before = process.memoryUsage().heapUsed;
  const ring = new Ring(2000);
  for (let i = 0; i < 2000; i++) {
    const parsed = parseOp(JSON.parse(ops[i] as string), new Date(1_700_000_000_000 + i));
    if (!parsed.ok) throw new Error('bad op');
    ring.insert({
      key: segmentKey(new Date(1_700_000_000_000 + i), `c0ffee${i}`),
      line: 0,
      op: parsed.op,
    });
  }
  gc();
  const after = process.memoryUsage().heapUsed;
  if (ring.size !== 2000) throw new Error('ring not full');
  return after - before;
}

/** Each function's packaged zip, from `serverless package`. */
function bundleBytes(): Record<string, number> {
  execFileSync(resolve('node_modules/.bin/serverless'), ['package'], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
    stdio: 'ignore',
  });
  const size = (fn: string) => statSync(resolve('.serverless', `${fn}.zip`)).size;
  return {
    event: size('event'),
    stats: size('stats'),
    health: size('health'),
    snapshot: size('snapshot'),
    compact: size('compact'),
  };
}

/** The compaction section over a local S3 server of its own, stopped and removed after. */
async function compactionOverLocalS3(
  say: (line: string) => void,
): Promise<BenchResults['compaction']> {
  const directory = mkdtempSync(join(tmpdir(), 'observer-bench-'));
  const s3 = await spawnLocalS3({ directory, bucket: BUCKET });
  const client = localS3Client(s3.endpoint);
  try {
    return await compactionBench(client, BUCKET, say);
  } finally {
    client.destroy();
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * `BENCH_ONLY=compaction npm run bench` (or `read_path`, which needs no S3
 * server: its bucket is in memory): that section alone; it updates its key
 * of bench/results.json and keeps the others.
 */
async function sectionOnly(section: 'compaction' | 'read_path'): Promise<void> {
  quiet();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const path = resolve('bench/results.json');
  const results = (existsSync(path) ? JSON.parse(readFileSync(path, 'utf-8')) : {}) as BenchResults;
  if (section === 'compaction') results.compaction = await compactionOverLocalS3(say);
  else results.read_path = await readPathBench(say);
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
  const figures = section === 'compaction' ? COMPACTION_FIGURES : READ_PATH_FIGURES;
  if (!printFigures(results, figures)) process.exitCode = 1;
}

async function main(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'observer-bench-'));
  const s3 = await spawnLocalS3({ directory, bucket: BUCKET });
  try {
    process.env.S3_ENDPOINT = s3.endpoint;
    process.env.OBSERVER_BUCKET = BUCKET;
    process.env.OBSERVER_PREFIX = 'ingest/';
    quiet();
    const runtime = await import('../lib/app/runtime');
    const { handler: event } = await import('../handlers/event');
    const { handler: stats } = await import('../handlers/stats');
    const { handler: events } = await import('../handlers/events');
    const { handler: traces } = await import('../handlers/otlp-traces');
    const requests = countRequests(runtime.s3());
    const raw = createS3Client(runtime.config);

    process.stdout.write(
      `ingest: ${INGEST_OPS} ops, handler vs raw PutObject at ${CONCURRENCY} in flight ...\n`,
    );
    const ingestResult = await ingest(event, raw);
    process.stdout.write('batch path: batches of 100 vs single-op posts ...\n');
    const batch = await batchPath(event, events, requests);
    process.stdout.write('OTLP: batches of 512 spans vs the same ops to /observer/events ...\n');
    const otlp = await otlpIngest(traces, events, CONCURRENCY, requests);
    const cold = await coldStart(s3.endpoint);
    process.stdout.write('warm stats ...\n');
    const warm = await warmStats(stats, requests);
    const results = {
      ingest: ingestResult,
      cold_start: cold,
      warm_stats: warm,
      stats_cpu_ratio: statsCpuRatio(),
      bundle_bytes: bundleBytes(),
      ring_heap_bytes: ringHeapBytes(),
      batch,
      otlp,
      client: await clientBench(s3.endpoint),
      npm_start: await startThroughputApart((line) => process.stdout.write(`${line}\n`)),
      read_path: await readPathBench((line) => process.stdout.write(`${line}\n`)),
      compaction: await compactionBench(raw, BUCKET, (line) => process.stdout.write(`${line}\n`)),
    };
    writeFileSync(resolve('bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
    if (!printFigures(results)) process.exitCode = 1;
    raw.destroy();
  } finally {
    await s3.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

const only = process.env.BENCH_ONLY;
if (only === undefined || only === '') await main();
else if (only === 'compaction' || only === 'read_path') await sectionOnly(only);
else throw new Error(`BENCH_ONLY: no section ${only} (compaction and read_path are the ones)`);
