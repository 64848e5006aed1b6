// OTLP ingest throughput: spans sent to POST /observer/otlp/v1/traces in
// batches of 512 (what the SDK's BatchSpanProcessor sends), against the same
// ops sent to POST /observer/events, through the real handlers over the same
// local S3, in alternating rounds of one run.
import { performance } from 'node:perf_hooks';
import { makeSpans, otlpBody, type SpanPlan } from '../dev/otlp-spans';
import type { HttpEvent, HttpResult } from '../lib/http/response';
import { decodeRequest } from '../lib/otlp/codec';
import { opsFromTraceRequest } from '../lib/otlp/span-ops';
import { mapLimit } from '../lib/platform/concurrency';
import { round } from './figures';

/** Spans in one OTLP request, as the SDK's batch processor sends them. */
export const OTLP_BATCH = 512;
const ROUNDS = 10;
const BATCHES_PER_ROUND = 4;
/** The most ops /observer/events takes in one request. */
const EVENTS_BATCH = 500;

type Handler = (e: HttpEvent) => Promise<HttpResult>;

/** An agent step: a tool call or a model call, each a span that becomes an op. */
function step(i: number): SpanPlan {
  return i % 3 === 0
    ? {
        name: 'chat gpt-4o-mini',
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.usage.input_tokens': 300 + (i % 50),
          'gen_ai.usage.output_tokens': 40,
        },
        ms: 40,
      }
    : {
        name: `execute_tool ${i % 2 ? 'search' : 'fetch'}`,
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': i % 2 ? 'search' : 'fetch',
          'gen_ai.tool.call.arguments': `{"query":"item ${i}","limit":10}`,
        },
        ms: 20,
        ...(i % 7 === 0 ? { error: `HTTP 429 Too Many Requests (item ${i})` } : {}),
      };
}

/** One request of 512 spans: agent runs of a root and its steps, protobuf as the SDK encodes it. */
function otlpBatch(b: number): Buffer {
  const runs: SpanPlan[] = Array.from({ length: OTLP_BATCH / 8 }, (_, r) => ({
    name: 'invoke_agent researcher',
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.id': `agent-${r % 5}` },
    children: Array.from({ length: 7 }, (_, s) => step(b * OTLP_BATCH + r * 8 + s)),
  }));
  return otlpBody(makeSpans({ 'service.name': 'bench-agent' }, runs), 'protobuf');
}

function post(path: string, body: string, contentType: string, base64: boolean): HttpEvent {
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': contentType },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: `POST ${path}`,
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: base64,
    body,
  };
}

/**
 * Spans per second through the traces handler, ops per second of the same
 * ops (other ids, so neither is a duplicate of the other) through the events
 * handler, their ratio, and the S3 PUTs per span.
 */
export async function otlpIngest(
  traces: Handler,
  events: Handler,
  concurrency: number,
  requests: Record<string, number>,
): Promise<Record<string, number>> {
  const batches = Array.from({ length: ROUNDS * BATCHES_PER_ROUND }, (_, b) => otlpBatch(b));
  // The same ops the spans become, as a client of /observer/events would send them.
  const ops = batches.flatMap(decodedOps);
  const spans = batches.length * OTLP_BATCH;
  let otlpMs = 0;
  let eventsMs = 0;
  let puts = 0;
  const perRound = ops.length / ROUNDS;
  for (let r = 0; r < ROUNDS; r++) {
    const mine = batches.slice(r * BATCHES_PER_ROUND, (r + 1) * BATCHES_PER_ROUND);
    const sameOps = ops.slice(r * perRound, (r + 1) * perRound);
    const runOtlp = async () => {
      const before = requests.PutObjectCommand ?? 0;
      const t0 = performance.now();
      await mapLimit(mine, concurrency, async (body) => {
        const res = await traces(
          post('/observer/otlp/v1/traces', body.toString('base64'), 'application/x-protobuf', true),
        );
        if (res.statusCode !== 200) throw new Error(`OTLP answered ${res.statusCode}`);
      });
      otlpMs += performance.now() - t0;
      puts += (requests.PutObjectCommand ?? 0) - before;
    };
    const runEvents = async () => {
      const chunks = Array.from({ length: Math.ceil(sameOps.length / EVENTS_BATCH) }, (_, i) =>
        JSON.stringify(sameOps.slice(i * EVENTS_BATCH, (i + 1) * EVENTS_BATCH)),
      );
      const t0 = performance.now();
      await mapLimit(chunks, concurrency, async (body) => {
        const res = await events(post('/observer/events', body, 'application/json', false));
        if (res.statusCode !== 201) throw new Error(`events answered ${res.statusCode}`);
      });
      eventsMs += performance.now() - t0;
    };
    // Alternate which goes first, so warm-up and drift fall on both alike.
    if (r % 2 === 0) {
      await runOtlp();
      await runEvents();
    } else {
      await runEvents();
      await runOtlp();
    }
  }
  const spanRate = spans / (otlpMs / 1000);
  const opRate = ops.length / (eventsMs / 1000);
  return {
    batch_spans: OTLP_BATCH,
    spans,
    ops: ops.length,
    concurrency,
    otlp_spans_per_s: round(spanRate, 1),
    events_ops_per_s: round(opRate, 1),
    ratio: round(spanRate / opRate, 3),
    puts_per_span: round(puts / spans, 4),
  };
}

/** The ops a protobuf request becomes, with ids of their own. */
function decodedOps(body: Buffer): Record<string, unknown>[] {
  const { ops } = opsFromTraceRequest(decodeRequest('traces', 'protobuf', body));
  return ops.map((op) => ({ ...op, id: `${op.id}-events` }));
}
