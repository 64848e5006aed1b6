import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { handler } from '../../../handlers/openapi';
import { apiDescription, ROUTE_DESCRIPTIONS } from '../../../lib/http/api-description';
import { ErrorAnswerSchema } from '../../../lib/http/errors';
import { BEARER, openApiDocument } from '../../../lib/http/openapi';
import { type Access, ROUTE_ACCESS } from '../../../lib/http/routes';
import { bodyOf, httpEvent } from '../../support/events';
import { describedBy, errorsOf, strictAjv } from '../../support/openapi';
import { declaredRoutes } from '../../support/serverless-yml';

type Json = Record<string, unknown>;

const doc = apiDescription();
const httpRoutes = declaredRoutes(readFileSync('serverless.yml', 'utf-8')).filter((r) => r !== '*');
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    route: `${method.toUpperCase()} ${path}`,
    op: op as Json,
  })),
);

/** Every `$ref` anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === '$ref' && typeof v === 'string' ? [v] : refsIn(v),
  );
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the API description and serverless.yml', () => {
  it.each(httpRoutes)('describes %s with its method', (route) => {
    const [method, path] = route.split(' ') as [string, string];

    expect(doc.paths[path]?.[method.toLowerCase()]).toBeDefined();
  });

  it('describes no route that serverless.yml does not declare', () => {
    expect(operations.map((o) => o.route).sort()).toEqual([...httpRoutes].sort());
  });

  it("describes the catch-all's 404, and its 405 with the allow header", () => {
    const responses = doc.components.responses as Record<string, Json>;

    expect(responses.NotFound).toBeDefined();
    expect(responses.MethodNotAllowed?.headers).toHaveProperty('allow');
  });
});

describe('the served document', () => {
  it('answers 200 JSON holding the description', async () => {
    const res = await handler(httpEvent({ path: '/observer/openapi.json' }));

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(res)).toEqual(JSON.parse(JSON.stringify(doc)));
  });

  it('answers without a token when one is configured', async () => {
    vi.stubEnv('OBSERVER_API_TOKEN', 'a-token-of-twenty-chars');
    vi.resetModules();
    const fresh = await import('../../../handlers/openapi');

    const res = await fresh.handler(httpEvent({ path: '/observer/openapi.json' }));

    expect(res.statusCode).toBe(200);
  });

  it('is built once and kept', () => {
    expect(apiDescription()).toBe(doc);
  });

  it('is OpenAPI 3.1: version, info, paths and components', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'observer', version: expect.any(String) });
    expect(Object.keys(doc.paths).length).toBeGreaterThan(0);
    expect(Object.keys(doc.components.schemas).length).toBeGreaterThan(0);
  });

  it('validates against its own 200 answer schema', () => {
    const validate = describedBy(doc).answer('GET', '/observer/openapi.json', 200);

    expect(validate(doc), errorsOf(validate)).toBe(true);
  });

  it('gives every operation a unique id, a summary and only 3-digit statuses', () => {
    const ids = operations.map((o) => o.op.operationId);

    expect(new Set(ids).size).toBe(ids.length);
    for (const { op } of operations) {
      expect(op.summary).toEqual(expect.any(String));
      for (const status of Object.keys(op.responses as Json)) expect(status).toMatch(/^[1-5]\d\d$/);
    }
  });

  it('gives every answer a description and a schema, JSON but for the page (and OTLP protobuf)', () => {
    const answers = [
      ...operations.flatMap(({ route, op }) =>
        Object.values(op.responses as Record<string, Json>).map((a) => ({ route, a })),
      ),
      ...Object.values(doc.components.responses as Record<string, Json>).map((a) => ({
        route: '',
        a,
      })),
    ];

    for (const { route, a: answer } of answers) {
      expect(answer.description).toEqual(expect.any(String));
      const media = Object.keys(answer.content as Json);
      const otlp = route.includes('/observer/otlp/');
      expect(media).toEqual(
        otlp ? ['application/json', 'application/x-protobuf'] : [expect.any(String)],
      );
      expect(['application/json', 'text/html']).toContain(media[0]);
      expect(answer).toHaveProperty(['content', media[0] as string, 'schema']);
    }
  });

  it('resolves every $ref to a component schema', () => {
    const refs = refsIn(doc);

    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      expect(doc.components.schemas).toHaveProperty([ref.replace('#/components/schemas/', '')]);
    }
  });

  it('holds component schemas a strict JSON Schema 2020-12 validator compiles', () => {
    const validators = describedBy(doc);

    for (const { route, op } of operations) {
      const [method, path] = route.split(' ') as [string, string];
      if (op.requestBody) expect(() => validators.request(method, path)).not.toThrow();
      for (const status of Object.keys(op.responses as Json)) {
        expect(() => validators.answer(method, path, Number(status))).not.toThrow();
      }
    }
  });

  it('asks for the bearer token on every route but health, the page and the description', () => {
    const open = operations.filter(({ op }) => (op.security as unknown[]).length === 0);

    expect(open.map((o) => o.route).sort()).toEqual([
      'GET /observer/',
      'GET /observer/health',
      'GET /observer/openapi.json',
    ]);
  });

  it.each(Object.entries(ROUTE_ACCESS))(
    'asks %s for a key of the scope the route table gives it (%s), or admin',
    (route, access: Access) => {
      const op = operations.find((o) => o.route === route)?.op;

      const expected =
        access === 'open'
          ? []
          : access === 'admin'
            ? [{ [BEARER]: ['admin'] }, {}]
            : [{ [BEARER]: [access] }, { [BEARER]: ['admin'] }, {}];
      expect(op?.security).toEqual(expected);
    },
  );

  it('gives every route that needs a key its 401, its 403 naming the scope, and its 503', () => {
    const guarded = operations.filter(({ op }) => (op.security as unknown[]).length > 0);

    expect(guarded.length).toBeGreaterThan(5);
    for (const { route, op } of guarded) {
      const responses = op.responses as Record<string, Json>;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '403', '503']));
      // OTLP answers every failure with a google.rpc.Status, as its specification says.
      const body = route.includes('/observer/otlp/') ? 'Status' : 'ForbiddenAnswer';
      expect(JSON.stringify(responses['403'])).toContain(`#/components/schemas/${body}`);
    }
    expect(doc.components.schemas.ForbiddenAnswer).toMatchObject({
      required: ['error', 'scope_needed'],
      properties: { scope_needed: { enum: ['ingest', 'read', 'admin'] } },
    });
  });
});

describe('the description follows the zod schemas', () => {
  const schemas = doc.components.schemas as Record<string, Json>;

  it("carries the op's limits: endpoint at most 512 characters and not blank", () => {
    expect(schemas.ObservedOp).toMatchObject({
      required: ['endpoint'],
      properties: { endpoint: { type: 'string', maxLength: 512, pattern: '\\S' } },
    });
  });

  it('carries the batch limit and the history hours', () => {
    const history = operations.find((o) => o.route === 'GET /observer/stats/history')?.op;

    expect(JSON.stringify(schemas.Batch)).toContain('"maxItems":500');
    expect(history?.parameters).toEqual([
      expect.objectContaining({
        name: 'hours',
        required: false,
        schema: expect.objectContaining({ default: 24, minimum: 1, maximum: 168 }),
      }),
    ]);
  });

  it('shows a changed schema in the document generated from it', () => {
    const route = ROUTE_DESCRIPTIONS.find((r) => r.operationId === 'event');
    if (route === undefined) throw new Error('no event route');
    const shorter = z.object({ endpoint: z.string().max(100) });
    const changed = openApiDocument({
      title: 't',
      version: '1',
      description: 'd',
      routes: [{ ...route, body: { description: 'one op', schema: shorter } }],
      access: ROUTE_ACCESS,
      schemas: { ErrorAnswer: ErrorAnswerSchema },
      otherAnswers: {},
    });

    const validate = describedBy(changed).request('POST', '/observer/event');

    expect(JSON.stringify(changed.paths)).toContain('"maxLength":100');
    expect(validate({ endpoint: 'x'.repeat(101) })).toBe(false);
    expect(validate({ endpoint: 'x'.repeat(100) })).toBe(true);
  });

  it('is checked with a strict validator: an unknown keyword is an error', () => {
    expect(() => strictAjv().compile({ type: 'string', maxLenght: 3 })).toThrow(/unknown keyword/);
  });

  it('refuses a schema named twice for a request and an answer', () => {
    const shared = z.object({ a: z.string() });
    const route = {
      method: 'POST' as const,
      path: '/x',
      operationId: 'x',
      summary: 's',
      body: { description: 'b', schema: shared },
      answers: { 200: { description: 'ok', body: shared } },
    };

    expect(() =>
      openApiDocument({
        title: 't',
        version: '1',
        description: 'd',
        routes: [route],
        access: { 'POST /x': 'open' },
        schemas: { Shared: shared },
        otherAnswers: {},
      }),
    ).toThrow(/both as a request and as an answer/);
  });

  it('refuses a route the access table does not name', () => {
    const route = ROUTE_DESCRIPTIONS.find((r) => r.operationId === 'stats');
    if (route === undefined) throw new Error('no stats route');

    expect(() =>
      openApiDocument({
        title: 't',
        version: '1',
        description: 'd',
        routes: [{ ...route, path: '/observer/unlisted' }],
        access: ROUTE_ACCESS,
        schemas: {},
        otherAnswers: {},
      }),
    ).toThrow('GET /observer/unlisted has no access');
  });
});
