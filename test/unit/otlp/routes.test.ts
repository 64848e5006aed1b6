import { gzipSync } from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as logs } from '../../../handlers/otlp-logs';
import { handler as traces } from '../../../handlers/otlp-traces';
import { getObserver, resetRuntime } from '../../../lib/app/runtime';
import type { HttpResult } from '../../../lib/http/response';
import { decodeAnswer } from '../../../lib/otlp/codec';
import { collect } from '../../../lib/platform/concurrency';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { makeSpans, mediaOf, otlpBody, postTraces, researchRun } from '../../support/otlp';

// POST /observer/otlp/v1/traces and /v1/logs as the OTLP/HTTP specification
// says: both encodings on one route, gzip, the answer in the request's
// encoding, partialSuccess, and the status of each failure.

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
  captureLogs('info', 'warn', 'error');
});

const bytesOf = (res: HttpResult) =>
  Buffer.from(res.body ?? '', res.isBase64Encoded ? 'base64' : 'utf-8');
const answerOf = (res: HttpResult, name: 'traces' | 'logs' | 'status' = 'traces') =>
  decodeAnswer(
    name,
    String(res.headers?.['content-type']).includes('protobuf') ? 'protobuf' : 'json',
    bytesOf(res),
  );
const ringOps = async () => [...(await getObserver().freshRing()).ring].map((e) => e.op);

const spans = () => makeSpans({ 'service.name': 'research' }, [researchRun(true)]);

describe('POST /observer/otlp/v1/traces with what the SDK sends', () => {
  it.each([
    ['protobuf', false],
    ['protobuf', true],
    ['json', false],
    ['json', true],
  ] as const)(
    'records the spans sent as %s (gzip: %s) and answers in that encoding',
    async (encoding, gzip) => {
      const res = await traces(
        postTraces(otlpBody(spans(), encoding), { contentType: mediaOf(encoding), gzip }),
      );

      expect(res.statusCode).toBe(200);
      expect(res.headers?.['content-type']).toBe(mediaOf(encoding));
      expect(answerOf(res)).toEqual({});
      expect((await ringOps()).map((o) => o.endpoint).sort()).toEqual(
        ['fetch', 'invoke_agent researcher', 'plan', 'search'].sort(),
      );
      expect(store.calls.append).toBe(1);
    },
  );

  it('counts an exporter retry of the same spans once', async () => {
    const body = otlpBody(spans(), 'protobuf');
    const send = () => traces(postTraces(body, { contentType: mediaOf('protobuf') }));

    await send();
    const again = await send();

    expect(again.statusCode).toBe(200);
    expect(await ringOps()).toHaveLength(4);
  });

  it('takes a charset on the JSON content type', async () => {
    const res = await traces(
      postTraces(otlpBody(spans(), 'json'), { contentType: 'application/json; charset=utf-8' }),
    );

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
  });

  it('acknowledges only once S3 has the ops: 503 with Retry-After when the write fails', async () => {
    store.append = async () => {
      throw new StoreUnavailableError('PutObject failed', { outcome: 'not-recorded' });
    };

    const res = await traces(
      postTraces(otlpBody(spans(), 'protobuf'), { contentType: mediaOf('protobuf') }),
    );

    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(answerOf(res, 'status')).toMatchObject({
      code: 14,
      message: 'storage is unavailable; nothing was recorded, retry later',
    });
  });
});

/** A hand-made JSON request around these spans. */
const jsonRequest = (spans: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }], ...extra });

const toolSpan = (spanId: string, more: Record<string, unknown> = {}) => ({
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId,
  name: 'execute_tool search',
  kind: 1,
  startTimeUnixNano: '1795900000000000000',
  endTimeUnixNano: '1795900000100000000',
  attributes: [{ key: 'gen_ai.tool.name', value: { stringValue: 'search' } }],
  ...more,
});

describe('hand-made bodies', () => {
  it('ignores unknown fields at every level', async () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [], futureField: 1 },
          scopeSpans: [
            {
              scope: { name: 's', extra: true },
              spans: [toolSpan('00f067aa0ba902b7', { newThing: [1] })],
            },
          ],
          schemaUrl: 'x',
        },
      ],
      somethingNew: { a: 1 },
    });

    const res = await traces(postTraces(body));

    expect(res.statusCode).toBe(200);
    expect(answerOf(res)).toEqual({});
    expect((await ringOps()).map((o) => o.endpoint)).toEqual(['search']);
  });

  it('answers 200 with partialSuccess naming the spans it refused, and records the rest', async () => {
    const body = jsonRequest([toolSpan('00f067aa0ba902b7'), toolSpan('not-hex')]);

    const res = await traces(postTraces(body));

    expect(res.statusCode).toBe(200);
    expect(answerOf(res)).toEqual({
      partialSuccess: {
        rejectedSpans: 1,
        errorMessage:
          '1 span was refused: resourceSpans[0].scopeSpans[0].spans[1]: spanId must be 16 hex digits',
      },
    });
    expect(await ringOps()).toHaveLength(1);
  });

  it('answers an empty protobuf body (an empty request) 200 with an empty response', async () => {
    const res = await traces(
      postTraces(otlpBody(spans(), 'protobuf').subarray(0, 0), {
        contentType: mediaOf('protobuf'),
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(bytesOf(res)).toHaveLength(0);
  });

  it.each([
    ['an empty body', ''],
    ['an empty request', '{}'],
    ['no spans', jsonRequest([])],
  ])('answers %s 200 with nothing written', async (_label, body) => {
    const res = await traces(postTraces(body));

    expect(res.statusCode).toBe(200);
    expect(store.calls.append).toBe(0);
  });

  it.each([
    [
      'garbage protobuf',
      Buffer.from('not a protobuf message at all'),
      'application/x-protobuf',
      /^request body is not a protobuf ExportTraceServiceRequest: /,
    ],
    [
      'truncated protobuf',
      () => otlpBody(spans(), 'protobuf').subarray(0, 40),
      'application/x-protobuf',
      /^request body is not a protobuf ExportTraceServiceRequest: /,
    ],
    [
      'truncated JSON',
      Buffer.from('{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":'),
      'application/json',
      /^request body is not valid JSON$/,
    ],
    [
      'JSON that is no request',
      Buffer.from('{"resourceSpans":{"a":1}}'),
      'application/json',
      /^not an ExportTraceServiceRequest: resourceSpans: /,
    ],
    [
      'gzip that does not inflate',
      Buffer.from('not gzip'),
      'application/json',
      /^request body is not valid gzip/,
    ],
  ] as const)(
    'answers %s 400 with a Status saying why, nothing written',
    async (_label, make, type, message) => {
      const bytes = typeof make === 'function' ? make() : make;
      const gzipHeader: Record<string, string> = _label.startsWith('gzip')
        ? { 'content-encoding': 'gzip' }
        : {};
      const res = await traces(postTraces(bytes, { contentType: type, headers: gzipHeader }));

      expect(res.statusCode).toBe(400);
      expect(res.headers?.['content-type']).toBe(type);
      const status = answerOf(res, 'status');
      expect(status.code).toBe(3);
      expect(String(status.message)).toMatch(message);
      expect(store.calls.append).toBe(0);
    },
  );

  it('answers another content type 415 in JSON, naming both it takes', async () => {
    const res = await traces(postTraces('hello', { contentType: 'text/plain' }));

    expect(res.statusCode).toBe(415);
    expect(answerOf(res, 'status')).toEqual({
      code: 3,
      message: 'content-type must be application/x-protobuf or application/json, got "text/plain"',
    });
  });

  it('answers another content-encoding 415', async () => {
    const res = await traces(postTraces('{}', { headers: { 'content-encoding': 'br' } }));

    expect(res.statusCode).toBe(415);
    expect(answerOf(res, 'status').message).toBe('content-encoding must be gzip or none, got "br"');
  });

  it('answers 413 for a body over the limit once decompressed, nothing written', async () => {
    const huge = jsonRequest([
      toolSpan('00f067aa0ba902b7', { name: 'x'.repeat(17 * 1024 * 1024) }),
    ]);

    const res = await traces(postTraces(huge, { gzip: true }));

    expect(res.statusCode).toBe(413);
    expect(answerOf(res, 'status').message).toBe(
      'request body is over 16777216 bytes once decompressed',
    );
    expect(store.calls.append).toBe(0);
  });

  it('answers 413 for a body over the limit as received', async () => {
    const res = await traces(
      postTraces(Buffer.alloc(4 * 1024 * 1024 + 1), { contentType: 'application/x-protobuf' }),
    );

    expect(res.statusCode).toBe(413);
  });
});

describe('POST /observer/otlp/v1/logs', () => {
  const postLogs = (body: unknown) =>
    httpEvent({
      method: 'POST',
      path: '/observer/otlp/v1/logs',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const record = (fields: Record<string, unknown>) => ({
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: '00f067aa0ba902b7',
    ...fields,
  });

  it('keeps what an exception record says about a span, and drops the other records', async () => {
    const res = await logs(
      postLogs({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  record({
                    severityNumber: 17,
                    attributes: [
                      { key: 'exception.type', value: { stringValue: 'RateLimited' } },
                      {
                        key: 'exception.message',
                        value: { stringValue: '429 from api.example.com' },
                      },
                    ],
                  }),
                  record({ severityNumber: 9, body: { stringValue: 'fetching page 2' } }),
                  { severityNumber: 17, body: { stringValue: 'no span named' } },
                ],
              },
            ],
          },
        ],
      }),
    );

    expect(res.statusCode).toBe(200);
    expect(answerOf(res, 'logs')).toEqual({});
    const keys = await collect(store.listObjects('span-errors/'));
    expect(keys.flat()).toHaveLength(1);
    const doc = JSON.parse((await store.getDocument(keys.flat()[0] as string)) ?? '{}');
    expect(doc).toEqual({
      errors: [
        {
          trace_id: '5b8efff798038103d269b633813fc60c',
          span_id: '00f067aa0ba902b7',
          error: 'RateLimited: 429 from api.example.com',
        },
      ],
    });
  });

  it('keeps the errors of each run apart, one document per run named', async () => {
    const error = (traceId: string) =>
      record({ traceId, severityNumber: 17, body: { stringValue: `failed in ${traceId}` } });
    const traces = ['5b8efff798038103d269b633813fc60c', '4bf92f3577b34da6a3ce929d0e0e4736'];

    await logs(postLogs({ resourceLogs: [{ scopeLogs: [{ logRecords: traces.map(error) }] }] }));

    const keys = await collect(store.listObjects('span-errors/'));
    expect(keys.map((k) => k.split('/')[1]).sort()).toEqual([...traces].sort());
  });

  it('answers 200 to logs that say nothing about a span, writing nothing', async () => {
    const res = await logs(
      postLogs({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' } }] }] }],
      }),
    );

    expect(res.statusCode).toBe(200);
    expect((await collect(store.listObjects(''))).flat()).toEqual([]);
  });

  it('answers garbage 400 in protobuf', async () => {
    const res = await logs(
      httpEvent({
        method: 'POST',
        path: '/observer/otlp/v1/logs',
        headers: { 'content-type': 'application/x-protobuf' },
        body: gzipSync('x').toString('base64'),
        isBase64Encoded: true,
      }),
    );

    expect(res.statusCode).toBe(400);
    expect(answerOf(res, 'status').code).toBe(3);
  });
});
