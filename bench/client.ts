// The client's part of `npm run bench`: 8 loops sending ops through
// @observer/client against the same 8 loops posting one op per request,
// over HTTP to the service's handlers, in the same run. S3 PutObjects are
// counted on the wire by a proxy in front of the local S3.
import { performance } from 'node:perf_hooks';
import { createObserverClient, type Op } from '../client/src/index';
import { type FaultyS3Proxy, startFaultyS3Proxy } from '../dev/faulty-s3-proxy';
import { serveHandlers } from '../dev/handler-server';
import { mapLimit } from '../lib/platform/concurrency';
import { createS3Client } from '../lib/storage/s3-client';
import { round } from './figures';

const LOOPS = 8;
const SINGLE_OPS = Number(process.env.BENCH_CLIENT_SINGLE_OPS ?? 1000);
const CLIENT_OPS = Number(process.env.BENCH_CLIENT_OPS ?? 10_000);
const ROUNDS = 2;
const FLUSH_AT = 100;

function opOf(i: number): Op {
  return {
    id: `bench-client-${i}-${Math.random().toString(36).slice(2)}`,
    endpoint: `tools/call/${['search', 'read_file', 'write_file', 'run_tests'][i % 4]}`,
    success: i % 7 !== 0,
    source: i % 3 === 0 ? 'scenario' : 'mcp',
    staffer_id: `w-${i % 50}`,
    duration_ms: 40 + (i % 200),
    input_summary: `query for item ${i}: find the relevant section and summarize it`,
  };
}

/** `count` ops from LOOPS loops, each loop taking its share in turn. */
async function loops(count: number, send: (i: number) => Promise<void>): Promise<void> {
  await mapLimit(
    Array.from({ length: LOOPS }, (_, l) => l),
    LOOPS,
    async (l) => {
      for (let i = l; i < count; i += LOOPS) await send(i);
    },
  );
}

interface Phase {
  ms: number;
  ops: number;
  puts: number;
}

async function singlePosts(url: string, proxy: FaultyS3Proxy): Promise<Phase> {
  proxy.resetCounts();
  const t0 = performance.now();
  await loops(SINGLE_OPS, async (i) => {
    const res = await fetch(`${url}/observer/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(opOf(i)),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`POST /observer/event answered ${res.status}`);
  });
  return { ms: performance.now() - t0, ops: SINGLE_OPS, puts: proxy.counts.putObject };
}

async function throughClient(url: string, proxy: FaultyS3Proxy): Promise<Phase> {
  proxy.resetCounts();
  const client = createObserverClient({ url, flushAt: FLUSH_AT, flushOnExit: false });
  const t0 = performance.now();
  await loops(CLIENT_OPS, async (i) => {
    client.observe(opOf(i));
    // A loop yields between ops, as one that does any I/O of its own would.
    await new Promise((tick) => setImmediate(tick));
  });
  await client.shutdown();
  const ms = performance.now() - t0;
  const s = client.stats();
  if (s.sent !== CLIENT_OPS) throw new Error(`the client sent ${s.sent} of ${CLIENT_OPS} ops`);
  return { ms, ops: CLIENT_OPS, puts: proxy.counts.putObject };
}

/**
 * The client against single-op posts, alternating rounds so warm-up and
 * drift fall on both: throughput, their ratio, and S3 PUTs per op.
 */
export async function clientBench(s3Endpoint: string): Promise<Record<string, number>> {
  process.stdout.write(`client: ${LOOPS} loops, client vs single-op posts over HTTP ...\n`);
  const runtime = await import('../lib/app/runtime');
  const { handler: event } = await import('../handlers/event');
  const { handler: events } = await import('../handlers/events');
  const proxy = await startFaultyS3Proxy({ target: s3Endpoint, failureRate: 0 });
  const s3 = createS3Client({ ...runtime.config, s3Endpoint: proxy.endpoint });
  runtime.resetRuntime({ client: s3 });
  const server = await serveHandlers({
    'POST /observer/event': event,
    'POST /observer/events': events,
  });
  const single: Phase = { ms: 0, ops: 0, puts: 0 };
  const batched: Phase = { ms: 0, ops: 0, puts: 0 };
  const add = (to: Phase, p: Phase) => {
    to.ms += p.ms;
    to.ops += p.ops;
    to.puts += p.puts;
  };
  try {
    for (let r = 0; r < ROUNDS; r++) {
      if (r % 2 === 0) add(single, await singlePosts(server.url, proxy));
      add(batched, await throughClient(server.url, proxy));
      if (r % 2 === 1) add(single, await singlePosts(server.url, proxy));
    }
  } finally {
    await server.close();
    await proxy.close();
    s3.destroy();
    runtime.resetRuntime();
  }
  return report(single, batched);
}

function report(single: Phase, batched: Phase): Record<string, number> {
  const singleRate = single.ops / (single.ms / 1000);
  const clientRate = batched.ops / (batched.ms / 1000);
  const result = {
    loops: LOOPS,
    flush_at: FLUSH_AT,
    single_ops_per_s: round(singleRate, 1),
    client_ops_per_s: round(clientRate, 1),
    throughput_ratio: round(clientRate / singleRate, 1),
    single_puts_per_op: round(single.puts / single.ops, 4),
    client_puts_per_op: round(batched.puts / batched.ops, 4),
  };
  const ok = result.client_puts_per_op <= 0.02 ? 'ok' : 'MISSED';
  process.stdout.write(
    `client ops/s ${result.client_ops_per_s} vs single-op posts ${result.single_ops_per_s}: ` +
      `${result.throughput_ratio}x; client S3 PUTs per op ${result.client_puts_per_op} ` +
      `(target ≤ 0.02: ${ok}; single-op posts: ${result.single_puts_per_op})\n`,
  );
  return result;
}
