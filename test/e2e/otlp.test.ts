import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StartedStack, startStack } from '../../dev/npm-start';
import { invokeLocal } from '../../dev/offline-stack';
import { decodeAnswer } from '../../lib/otlp/codec';
import { apiKeyEntry } from '../../lib/platform/api-keys';
import { makeSpans, otlpBody, researchRun } from '../support/otlp';

// The OpenTelemetry JS SDK's own exporters (protobuf with gzip, and JSON)
// sending to `npm start` as a user runs it, and what a user then reads:
// the ops, the run, the playbook. Then hand-made bodies for each failure.

const INGEST = 'obs_otlp-e2e-ingest-0123456789abcdefghij';
const READ = 'obs_otlp-e2e-read-0123456789abcdefghijkl';
const dataParent = mkdtempSync(join(tmpdir(), 'observer-otlp-'));
const buildDir = `.esbuild/otlp-${process.pid}`;
let stack: StartedStack;

beforeAll(async () => {
  stack = await startStack({
    OBSERVER_DATA_DIR: join(dataParent, 's3'),
    OBSERVER_API_TOKEN: '',
    OBSERVER_API_KEYS: `${apiKeyEntry('ingest', INGEST)},${apiKeyEntry('read', READ)}`,
    OBSERVER_MAX_STALENESS_MS: '0',
    OBSERVER_BUILD_DIR: buildDir,
    // The snapshot runs when the playbook test invokes it, not also on the clock.
    OBSERVER_LOCAL_SCHEDULES: 'off',
  });
});

afterAll(async () => {
  await stack?.stop('SIGKILL');
  rmSync(dataParent, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
});

const tracesUrl = () => `${stack.url}/observer/otlp/v1/traces`;

/** Sends the spans with an SDK exporter, as its span processor does; resolves with its result. */
function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<number> {
  return new Promise((done) => exporter.export(spans, (result) => done(result.code)));
}

/** What the run and ops routes answer, as far as these tests read them. */
interface Answer {
  ops: { op: { endpoint: string } }[];
  [field: string]: unknown;
}

async function read(path: string, key = READ): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${stack.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Answer };
}

const traceOf = (spans: ReadableSpan[]) => spans[0]?.spanContext().traceId as string;
const resource = { 'service.name': 'research-bot', 'observer.role': 'analyst' };
const headers = { authorization: `Bearer ${INGEST}` };

describe('the SDK exporters through npm start', () => {
  it('records a failing run sent as gzipped protobuf, and answers its run', async () => {
    const spans = makeSpans(resource, [researchRun(true)]);
    const exporter = new ProtobufExporter({
      url: tracesUrl(),
      headers,
      compression: 'gzip' as never,
    });

    expect(await exportWith(exporter, spans)).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();

    const { status, body } = await read(`/observer/runs/${traceOf(spans)}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      outcome: 'failed',
      first_failure: {
        endpoint: 'fetch',
        error: 'HTTP 429 Too Many Requests from api.example.com',
      },
      agent: 'researcher',
      source: 'research-bot',
      role: 'analyst',
      may_be_incomplete: false,
      tokens: { total: { input_tokens: 300, output_tokens: 40, cost_usd: 0.000069 } },
    });
    expect(body.ops.map((o) => o.op.endpoint)).toEqual([
      'invoke_agent researcher',
      'plan',
      'search',
      'fetch',
    ]);
    const ops = await read(`/observer/ops?trace_id=${traceOf(spans)}`);
    expect(ops.body.ops).toHaveLength(4);
  });

  it('records a run sent as JSON by the HTTP exporter', async () => {
    const spans = makeSpans(resource, [researchRun(false)]);
    const exporter = new HttpJsonExporter({ url: tracesUrl(), headers });

    expect(await exportWith(exporter, spans)).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();

    const { body } = await read(`/observer/runs/${traceOf(spans)}`);
    expect(body.outcome).toBe('succeeded');
    expect(body.ops.map((o) => o.op.endpoint)).toEqual([
      'invoke_agent researcher',
      'plan',
      'search',
      'fetch',
      'answer',
    ]);
  });

  it('counts an exporter retry of the same spans once', async () => {
    const spans = makeSpans(resource, [researchRun(false)]);
    const exporter = new ProtobufExporter({
      url: tracesUrl(),
      headers,
      compression: 'gzip' as never,
    });

    expect(await exportWith(exporter, spans)).toBe(ExportResultCode.SUCCESS);
    expect(await exportWith(exporter, spans)).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();

    const { body } = await read(`/observer/runs/${traceOf(spans)}`);
    expect(body.ops).toHaveLength(5);
    const all = await read(`/observer/ops?trace_id=${traceOf(spans)}`);
    expect(all.body.ops).toHaveLength(5);
  });

  it('shows the runs in a playbook once the snapshot function has run', async () => {
    const res = await invokeLocal(stack.lambdaUrl, 'snapshot');
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    const { body } = await read('/observer/playbooks');

    expect(body.playbooks).toEqual([
      expect.objectContaining({
        agent: 'researcher',
        role: 'analyst',
        runs: 3,
        succeeded: 2,
        failed: 1,
        path: { steps: ['plan', 'search', 'fetch', 'answer'], runs: 2, share: 1 },
        failing_step: expect.objectContaining({ step: 'fetch', runs: 1 }),
      }),
    ]);
  });
});

/** Posts bytes to the traces route; the status and the decoded Status or response. */
async function post(
  body: Buffer | string,
  contentType: string,
  more: Record<string, string> = headers,
) {
  const res = await fetch(tracesUrl(), {
    method: 'POST',
    headers: { 'content-type': contentType, ...more },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const encoding = res.headers.get('content-type')?.includes('protobuf') ? 'protobuf' : 'json';
  const name = res.status === 200 ? 'traces' : 'status';
  return { status: res.status, answer: decodeAnswer(name, encoding, bytes) };
}

describe('hand-made bodies through npm start', () => {
  const spans = () => makeSpans(resource, [researchRun(true)]);

  it('answers garbage protobuf 400 in protobuf', async () => {
    const { status, answer } = await post(
      Buffer.from('not a protobuf message'),
      'application/x-protobuf',
    );

    expect(status).toBe(400);
    expect(String(answer.message)).toMatch(
      /^request body is not a protobuf ExportTraceServiceRequest/,
    );
  });

  it('answers truncated JSON 400', async () => {
    const { status, answer } = await post('{"resourceSpans":[', 'application/json');

    expect(status).toBe(400);
    expect(answer).toEqual({ code: 3, message: 'request body is not valid JSON' });
  });

  it('takes JSON with unknown fields, gzipped', async () => {
    const body = JSON.parse(otlpBody(spans(), 'json').toString('utf-8'));
    body.somethingNew = { a: [1] };
    body.resourceSpans[0].futureField = true;
    const res = await fetch(tracesUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers },
      body: new Uint8Array(gzipSync(JSON.stringify(body))),
    });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it('answers an empty request 200', async () => {
    expect((await post(Buffer.alloc(0), 'application/x-protobuf')).status).toBe(200);
  });

  it('answers another content type 415', async () => {
    const { status, answer } = await post('hello', 'text/plain');

    expect(status).toBe(415);
    expect(answer.message).toBe(
      'content-type must be application/x-protobuf or application/json, got "text/plain"',
    );
  });

  it('answers a request without a key 401', async () => {
    expect((await post(otlpBody(spans(), 'protobuf'), 'application/x-protobuf', {})).status).toBe(
      401,
    );
  });

  it('refuses the ingest key on a read route with 403, naming the scope', async () => {
    const { status, body } = await read('/observer/runs', INGEST);

    expect(status).toBe(403);
    expect(body.scope_needed).toBe('read');
  });
});
