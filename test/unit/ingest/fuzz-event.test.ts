import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HttpEvent, HttpResult } from '../../../lib/http/response';
import { type Container, freshContainer } from '../../support/container';
import { httpEvent } from '../../support/events';
import { MemorySegmentStore } from '../../support/memory-store';

// Property test: whatever a client sends to POST /observer/event, the answer
// is a JSON 200 (a repeated id)/201/400/413/415 with the safe headers, the handler never throws,
// and exactly the 201s are stored and in the ring.

const RUNS = 10_000;
const SEED = 20_261_124;
// 200 is a repeat of an op id already recorded: acknowledged as a duplicate, not stored again.
const ALLOWED = new Set([200, 201, 400, 413, 415]);
const UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A request as a client could shape it. */
interface Request {
  body?: string;
  isBase64Encoded: boolean;
  headers: Record<string, string>;
  /** True when the body is a valid op sent as JSON: it must be accepted. */
  valid: boolean;
}

const text = (max: number) => fc.string({ unit: 'binary', maxLength: max });

const validOp = fc.record(
  {
    endpoint: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
    success: fc.boolean(),
    // RFC 3339 as clients write it: UTC or an offset, upper or lower case.
    timestamp: fc
      .tuple(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.constantFrom('Z', 'z', '+05:30', '-08:00', '+00:00'),
        fc.boolean(),
      )
      .map(([d, zone, lowerT]) => {
        const text = d.toISOString().replace('Z', zone);
        return lowerT ? text.replace('T', 't') : text;
      }),
    source: fc.constantFrom('mcp', 'scenario', 'langfuse', 'overseer_correction', 'tool.x-1'),
    id: fc.string({ minLength: 1, maxLength: 128 }),
    duration_ms: fc.double({ min: 0, max: 1e9, noNaN: true }),
    staffer_id: text(256),
    role: text(256),
    error: text(300),
    extra: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: ['endpoint'] },
);

/** One known field set to a value its rule refuses. */
const wrongField = fc.constantFrom<[string, unknown]>(
  ['endpoint', ''],
  ['endpoint', '   '],
  ['endpoint', 'e'.repeat(513)],
  ['endpoint', 42],
  ['endpoint', null],
  ['success', 'true'],
  ['success', 1],
  ['timestamp', 'yesterday'],
  ['timestamp', '2026-13-45T99:99:99Z'],
  ['timestamp', 1_700_000_000],
  ['source', 'MCP'],
  ['source', ''],
  ['source', `a${'b'.repeat(64)}`],
  ['source', ['mcp']],
  ['id', ''],
  ['id', 'i'.repeat(129)],
  ['duration_ms', -1],
  ['duration_ms', '12'],
  ['staffer_id', 's'.repeat(257)],
  ['event_kind', { kind: 'x' }],
  ['role', false],
  ['error', 'x'.repeat(16 * 1024 + 1)],
  ['input_summary', 7],
  ['output_summary', 'o'.repeat(16 * 1024 + 1)],
);

const nearValidOp = fc
  .tuple(validOp, wrongField)
  .map(([op, [field, value]]) => ({ ...op, [field]: value }));

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/vnd.observer+json',
];
const jsonContentType = fc.constantFrom(...JSON_TYPES);

const oddContentType = fc.oneof(
  fc.constantFrom(
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/jsonp',
    'json',
    '',
    ';;;',
  ),
  text(40),
);

const headerName = fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE');

const contentTypeHeaders = (type: fc.Arbitrary<string | undefined>) =>
  fc
    .tuple(headerName, type)
    .map(([name, value]): Record<string, string> => (value === undefined ? {} : { [name]: value }));

const anyContentType = contentTypeHeaders(
  fc.oneof(
    { weight: 6, arbitrary: jsonContentType },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: oddContentType },
  ),
);

/** A JSON body, sent as text or base64-encoded as API Gateway does for binary media. */
const asBody = (value: unknown, valid: boolean) =>
  fc.tuple(anyContentType, fc.boolean()).map(([headers, base64]): Request => {
    const raw = JSON.stringify(value);
    return {
      body: base64 ? Buffer.from(raw, 'utf-8').toString('base64') : raw,
      isBase64Encoded: base64,
      headers,
      valid,
    };
  });

const MIB = 1024 * 1024;
const big = [
  // A body one byte over 1 MiB.
  JSON.stringify({ endpoint: 'x', blob: 'a'.repeat(MIB - 26) }),
  // An op over 64 KiB inside a small enough body.
  JSON.stringify({ endpoint: 'x', blob: 'b'.repeat(70_000) }),
  // Arrays nested 100,000 deep.
  `{"endpoint":"x","n":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
];

const request: fc.Arbitrary<Request> = fc.oneof(
  { weight: 5, arbitrary: validOp.chain((op) => asBody(op, true)) },
  { weight: 5, arbitrary: nearValidOp.chain((op) => asBody(op, false)) },
  { weight: 3, arbitrary: fc.jsonValue().chain((v) => asBody(v, false)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(text(200), anyContentType)
      .map(([body, headers]) => ({ body, headers, isBase64Encoded: false, valid: false })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.uint8Array({ maxLength: 200 }), anyContentType).map(
      ([bytes, headers]): Request => ({
        body: Buffer.from(bytes).toString('base64'),
        isBase64Encoded: true,
        headers,
        valid: false,
      }),
    ),
  },
  {
    weight: 1,
    // Not base64 at all, though flagged as such.
    arbitrary: fc
      .tuple(text(100), anyContentType)
      .map(([body, headers]) => ({ body, headers, isBase64Encoded: true, valid: false })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...big), anyContentType)
      .map(([body, headers]) => ({ body, headers, isBase64Encoded: false, valid: false })),
  },
  {
    weight: 1,
    arbitrary: anyContentType.map(
      (headers): Request => ({ headers, isBase64Encoded: false, valid: false }),
    ),
  },
);

const toEvent = (r: Request): HttpEvent =>
  httpEvent({
    method: 'POST',
    path: '/observer/event',
    headers: r.headers,
    isBase64Encoded: r.isBase64Encoded,
    ...(r.body !== undefined ? { body: r.body } : {}),
  });

const sendsJson = (headers: Record<string, string>) => {
  const type = Object.values(headers)[0];
  return type === undefined || JSON_TYPES.includes(type);
};

describe('POST /observer/event under fuzzing', () => {
  let c: Container;
  let store: MemorySegmentStore;

  beforeAll(async () => {
    c = await freshContainer({ OBSERVER_RING_CAP: String(RUNS) });
    store = new MemorySegmentStore();
    c.runtime.resetRuntime({ store });
    // Load the (empty) ring so that every accepted op enters it.
    await c.runtime.getObserver().load();
  });

  it(`answers ${RUNS} generated requests with 200/201/400/413/415 only, and keeps exactly the 201s`, async () => {
    const statuses: Record<number, number> = {};
    const unexpected: Array<{ request: Request; res: HttpResult }> = [];

    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const res = await c.event(toEvent(r));
        const status = res.statusCode ?? 0;
        statuses[status] = (statuses[status] ?? 0) + 1;
        const answered = status === 201 || status === 200;
        if (r.valid && sendsJson(r.headers) && !answered) unexpected.push({ request: r, res });

        expect(ALLOWED.has(status)).toBe(true);
        expect(res.headers).toMatchObject({
          'content-type': 'application/json',
          'x-content-type-options': 'nosniff',
        });
        const body = JSON.parse(res.body ?? '') as Record<string, unknown>;
        if (status === 200) expect(body).toMatchObject({ ok: true, duplicate: true });
        else if (status !== 201) expect(body.error).toEqual(expect.any(String));
        expect(res.body).not.toMatch(/\n\s+at /);
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );

    const accepted = statuses[201] ?? 0;
    expect(unexpected).toEqual([]);
    expect(store.objects.size).toBe(accepted);
    // Whatever form a client sent, the stored timestamp is UTC with milliseconds.
    const stored = [...store.objects.values()].map(
      (text) => JSON.parse(String(text)) as Record<string, unknown>,
    );
    expect(stored.filter((op) => !UTC_MS.test(String(op.timestamp)))).toEqual([]);
    expect(stored.filter((op) => op.client_timestamp !== undefined).length).toBeGreaterThan(500);
    expect(c.runtime.getObserver().status().ring_size).toBe(accepted);
    // Every kind of answer was exercised, so none of the checks above is vacuous.
    expect(accepted).toBeGreaterThan(1_000);
    expect(statuses[400]).toBeGreaterThan(1_000);
    expect(statuses[413]).toBeGreaterThan(10);
    expect(statuses[415]).toBeGreaterThan(100);
  });
});
