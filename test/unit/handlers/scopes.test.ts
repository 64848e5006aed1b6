import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { failureClusterId } from '../../../lib/failures/clustering/clusters';
import { ROUTE_DESCRIPTIONS } from '../../../lib/http/api-description';
import type { HttpEvent, HttpResult } from '../../../lib/http/response';
import { type Access, ROUTE_ACCESS, type RouteKey } from '../../../lib/http/routes';
import { apiKeyEntry, type Scope } from '../../../lib/platform/api-keys';
import { bodyOf, httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';
import { op } from '../../support/ops';

// Every route's handler, called with every kind of caller, against the route
// table: each handler asks for its route's scope, an admin key (and the
// token) opens every route, and a refusal costs no store call.

const KEYS: Record<Scope, string> = {
  ingest: 'obs_scopes-ingest-0123456789abcdefghijklmnopq',
  read: 'obs_scopes-read-0123456789abcdefghijklmnopqrs',
  admin: 'obs_scopes-admin-0123456789abcdefghijklmnopqr',
};
const TOKEN = 'scopes-test-token-0123456789';
const CALLERS = {
  none: undefined,
  unknown: 'obs_not-a-listed-key-0123456789abcdefghijkl',
  ingest: KEYS.ingest,
  read: KEYS.read,
  admin: KEYS.admin,
  token: TOKEN,
} as const;
type Caller = keyof typeof CALLERS;

/** Failed ops stored before the tests, one issue each, by error. */
const ERRORS = ['connection refused', 'disk full', 'quota exceeded', 'bad gateway'];
const issueOf = (error: string) => failureClusterId('tools/call', error);

/** A request each route answers with a 2xx once admitted. */
const BODIES: Partial<Record<RouteKey, unknown>> = {
  'POST /observer/event': { endpoint: 'tools/call' },
  'POST /observer/events': [{ endpoint: 'tools/call' }],
  'POST /observer/review': { endpoint: 'tools/call', error: 'timeout after 30 ms' },
  'POST /observer/issues/{id}': { status: 'resolved' },
  'POST /observer/issues/{id}/merge': { into: issueOf('connection refused') },
};

/** The issue a route's path names: each caller that may merge merges an issue of its own. */
function issueFor(route: RouteKey, caller: Caller): string {
  if (route !== 'POST /observer/issues/{id}/merge') return issueOf('connection refused');
  return issueOf(
    caller === 'admin' ? 'disk full' : caller === 'token' ? 'quota exceeded' : 'bad gateway',
  );
}

const yml = readFileSync('serverless.yml', 'utf-8');

/** The handler serverless.yml gives the function that serves a route. */
async function handlerOf(route: string): Promise<(event: HttpEvent) => Promise<HttpResult>> {
  const [method, path] = route.split(' ');
  const fn = ROUTE_DESCRIPTIONS.find((r) => r.method === method && r.path === path)?.operationId;
  const file = new RegExp(`^  ${fn}:\\n    handler: (\\S+)\\.handler$`, 'm').exec(yml)?.[1];
  if (file === undefined) throw new Error(`no handler for ${route}`);
  const mod = (await import(`../../../${file}`)) as {
    handler: (event: HttpEvent) => Promise<HttpResult>;
  };
  return mod.handler;
}

/** Path parameters, for routes that have them: a run that is in the ring. */
const RUN_ID = 'run-scopes-1';

function request(route: RouteKey, caller: Caller): HttpEvent {
  const [method, template] = route.split(' ') as [string, string];
  const key = CALLERS[caller];
  const body = BODIES[route];
  const id = issueFor(route, caller);
  const event = httpEvent({
    method,
    path: template.replace('{id}', id).replace('{trace_id}', RUN_ID),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
  });
  if (template.includes('{trace_id}')) {
    return { ...event, routeKey: route, pathParameters: { trace_id: RUN_ID } };
  }
  return template.includes('{id}') ? { ...event, routeKey: route, pathParameters: { id } } : event;
}

/** What a caller should get on a route of this access: let in, or refused with a status. */
function expected(access: Access, caller: Caller): 'admitted' | 401 | 403 {
  if (access === 'open') return 'admitted';
  if (caller === 'none' || caller === 'unknown') return 401;
  if (caller === 'admin' || caller === 'token' || caller === access) return 'admitted';
  return 403;
}

let store: MemorySegmentStore;

beforeAll(async () => {
  vi.stubEnv('OBSERVER_API_TOKEN', TOKEN);
  vi.stubEnv(
    'OBSERVER_API_KEYS',
    Object.entries(KEYS)
      .map(([scope, key]) => apiKeyEntry(scope as Scope, key))
      .join(','),
  );
  vi.resetModules();
  const runtime = await import('../../../lib/app/runtime');
  store = new MemorySegmentStore();
  await store.append(
    ERRORS.map((error) => ({
      endpoint: 'tools/call',
      success: false,
      source: 'mcp',
      error,
      timestamp: new Date().toISOString(),
    })),
    new Date(),
  );
  runtime.resetRuntime({ store });
  await store.append([op('tools/call', { trace_id: RUN_ID })], new Date());
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

const cases = Object.entries(ROUTE_ACCESS).flatMap(([route, access]) =>
  (Object.keys(CALLERS) as Caller[]).map(
    (caller) => [route as RouteKey, access, caller, expected(access, caller)] as const,
  ),
);

describe('every route asks for the scope the route table gives it', () => {
  it('covers every route that needs a key', () => {
    const guarded = Object.values(ROUTE_ACCESS).filter((a) => a !== 'open');

    expect(guarded.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s (%s) with the %s key: %s', async (route, access, caller, outcome) => {
    captureLogs('info', 'warn', 'error');
    const handler = await handlerOf(route);
    store.resetCalls();

    const res = await handler(request(route, caller));

    if (outcome === 'admitted') {
      expect(res.statusCode).toBeGreaterThanOrEqual(200);
      expect(res.statusCode).toBeLessThan(300);
      return;
    }
    expect(res.statusCode).toBe(outcome);
    expect(store.calls).toEqual(NO_CALLS);
    if (outcome === 403 && route.includes('/observer/otlp/')) {
      // OTLP answers a google.rpc.Status (code 7: PERMISSION_DENIED), in the request's encoding.
      expect(bodyOf(res)).toEqual({
        code: 7,
        message: `this key's scope is ${caller}; ${route} needs ${access}`,
      });
    } else if (outcome === 403) {
      const path = route.replace('{trace_id}', RUN_ID).replace('{id}', issueFor(route, caller));
      expect(bodyOf(res)).toEqual({
        error: `this key's scope is ${caller}; ${path} needs ${access}`,
        scope_needed: access,
      });
    }
  });
});
