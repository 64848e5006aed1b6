import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as escalations } from '../../../handlers/escalations';
import { handler as event } from '../../../handlers/event';
import { handler as events } from '../../../handlers/events';
import { handler as health } from '../../../handlers/health';
import { handler as history } from '../../../handlers/history';
import { handler as issue } from '../../../handlers/issue';
import { handler as issueMerge } from '../../../handlers/issue-merge';
import { handler as issueStatus } from '../../../handlers/issue-status';
import { handler as issues } from '../../../handlers/issues';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as openapi } from '../../../handlers/openapi';
import { handler as otlpLogs } from '../../../handlers/otlp-logs';
import { handler as otlpTraces } from '../../../handlers/otlp-traces';
import { handler as playbooks } from '../../../handlers/playbooks';
import { handler as run } from '../../../handlers/run';
import { handler as runs } from '../../../handlers/runs';
import { handler as snapshot } from '../../../handlers/snapshot';
import { handler as stats } from '../../../handlers/stats';
import { resetRuntime } from '../../../lib/app/runtime';
import { failureClusterId } from '../../../lib/failures/clustering/clusters';
import { escalate } from '../../../lib/failures/escalation/escalation';
import { apiDescription } from '../../../lib/http/api-description';
import type { HttpResult } from '../../../lib/http/response';
import { MAX_BATCH_OPS } from '../../../lib/ingest/requests';
import { hashApiKey } from '../../../lib/platform/api-keys';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { bodyOf, getStats, httpEvent, postBatch, postOp } from '../../support/events';
import { issueTransition } from '../../support/issue-transition';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { describedBy, errorsOf } from '../../support/openapi';
import { op } from '../../support/ops';
import { makeSpans, otlpBody, postTraces, researchRun } from '../../support/otlp';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const getRun = (id: string) => ({
  ...httpEvent({ path: `/observer/runs/${id}` }),
  pathParameters: { trace_id: id },
});
const sdkSpans = () => makeSpans({ 'service.name': 'bot' }, [researchRun(true)]);

// The handlers' real answers, each checked against what the API description
// says that route gives with that status: the description cannot drift from the code.

const described = describedBy(apiDescription());

beforeEach(() => {
  resetRuntime({ store: new MemorySegmentStore() });
  captureLogs('error', 'warn');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** A store whose writes fail as S3 that did not take them. */
function unwritableStore(): MemorySegmentStore {
  const store = new MemorySegmentStore();
  store.append = async () => {
    throw new StoreUnavailableError('PutObject failed', { outcome: 'not-recorded' });
  };
  return store;
}

/** One escalation with a sample op, delivered (to a stand-in for fetch) and recorded in `store`. */
async function escalatedOnce(store: MemorySegmentStore): Promise<void> {
  const now = Date.now();
  const sample = { key: 'ops/2026/11/24/21/a.jsonl', line: 0 };
  const failed = op('tools/call', { success: false, error: 'connection refused' });
  const summary = await escalate([issueTransition(now, { issue: { samples: [sample] } })], {
    store,
    now,
    entries: [{ ...sample, op: failed }],
    fetch: async () => new Response('ok'),
    config: {
      url: 'https://team.example/hooks',
      secret: undefined,
      minCount: 10,
      windowMinutes: 15,
      growth: 3,
      cooldownMinutes: 60,
    },
  });
  expect(summary.delivered).toBe(1);
}

const post = (path: string, body: string, contentType = 'application/json') =>
  httpEvent({ method: 'POST', path, body, headers: { 'content-type': contentType } });

type Case = [string, string, number, () => Promise<HttpResult>];

/** Two issues of failed ops stored a minute ago, folded by a snapshot; their ids. */
async function twoIssues(): Promise<[string, string]> {
  const store = new MemorySegmentStore();
  resetRuntime({ store });
  const at = new Date(Date.now() - 60_000);
  await store.append(
    [
      op('tools/call', { success: false, error: 'disk full' }),
      op('tools/call', { success: false, error: 'quota exceeded' }),
    ],
    at,
  );
  await snapshot();
  return [
    failureClusterId('tools/call', 'disk full'),
    failureClusterId('tools/call', 'quota exceeded'),
  ];
}

/** A request on an issue's path, with its path parameter as API Gateway passes it. */
function onIssue(method: string, id: string, suffix = '', body?: unknown) {
  return {
    ...httpEvent({
      method,
      path: `/observer/issues/${id}${suffix}`,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      headers: { 'content-type': 'application/json' },
    }),
    pathParameters: { id },
  };
}

const cases: Case[] = [
  ['POST', '/observer/event', 201, () => event(postOp({ endpoint: 'x', id: 'a' }))],
  [
    'POST',
    '/observer/event',
    200,
    async () => {
      await event(postOp({ endpoint: 'x', id: 'a' }));
      return event(postOp({ endpoint: 'x', id: 'a' }));
    },
  ],
  ['POST', '/observer/event', 400, () => event(postOp({ endpoint: ' ', success: 'yes' }))],
  ['POST', '/observer/event', 400, () => event(post('/observer/event', ''))],
  ['POST', '/observer/event', 413, () => event(postOp({ endpoint: 'x', b: 'b'.repeat(70_000) }))],
  ['POST', '/observer/event', 415, () => event(post('/observer/event', '{}', 'text/plain'))],
  [
    'POST',
    '/observer/event',
    503,
    async () => {
      resetRuntime({ store: unwritableStore() });
      return event(postOp({ endpoint: 'x' }));
    },
  ],
  ['POST', '/observer/events', 201, () => events(postBatch([{ endpoint: 'a', id: '1' }]))],
  ['POST', '/observer/events', 207, () => events(postBatch({ ops: [{ endpoint: 'a' }, {}] }))],
  ['POST', '/observer/events', 400, () => events(postBatch([{}, { endpoint: 3 }]))],
  ['POST', '/observer/events', 400, () => events(postBatch('{"not":"a batch"}'))],
  [
    'POST',
    '/observer/events',
    413,
    () => events(postBatch(Array.from({ length: MAX_BATCH_OPS + 1 }, () => ({ endpoint: 'a' })))),
  ],
  [
    'GET',
    '/observer/stats',
    200,
    async () => {
      await event(postOp({ endpoint: 'x', source: 'scenario', staffer_id: 'w', success: true }));
      return stats(getStats());
    },
  ],
  [
    'GET',
    '/observer/stats/history',
    200,
    async () => {
      await event(postOp({ endpoint: 'x' }));
      await snapshot();
      return history(httpEvent({ path: '/observer/stats/history', query: { hours: '1' } }));
    },
  ],
  [
    'GET',
    '/observer/stats/history',
    400,
    () => history(httpEvent({ path: '/observer/stats/history', query: { hours: '169' } })),
  ],
  [
    'GET',
    '/observer/escalations',
    200,
    async () => {
      const store = new MemorySegmentStore();
      resetRuntime({ store });
      await escalatedOnce(store);
      return escalations(httpEvent({ path: '/observer/escalations' }));
    },
  ],
  [
    'GET',
    '/observer/escalations',
    400,
    () => escalations(httpEvent({ path: '/observer/escalations', query: { limit: '0' } })),
  ],
  [
    'POST',
    '/observer/otlp/v1/traces',
    200,
    () => otlpTraces(postTraces(otlpBody(sdkSpans(), 'json'))),
  ],
  [
    'POST',
    '/observer/otlp/v1/traces',
    200,
    () =>
      otlpTraces(
        postTraces(
          JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'x' }] }] }] }),
        ),
      ),
  ],
  ['POST', '/observer/otlp/v1/traces', 400, () => otlpTraces(postTraces('{"resourceSpans":'))],
  [
    'POST',
    '/observer/otlp/v1/traces',
    413,
    () => otlpTraces(postTraces('x'.repeat(4 * 1024 * 1024 + 1))),
  ],
  [
    'POST',
    '/observer/otlp/v1/traces',
    415,
    () => otlpTraces(postTraces('{}', { contentType: 'text/plain' })),
  ],
  [
    'POST',
    '/observer/otlp/v1/traces',
    503,
    async () => {
      resetRuntime({ store: unwritableStore() });
      return otlpTraces(postTraces(otlpBody(sdkSpans(), 'json')));
    },
  ],
  [
    'POST',
    '/observer/otlp/v1/logs',
    200,
    () =>
      otlpLogs(
        httpEvent({
          method: 'POST',
          path: '/observer/otlp/v1/logs',
          headers: { 'content-type': 'application/json' },
          body: '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":17}]}]}]}',
        }),
      ),
  ],
  [
    'GET',
    '/observer/runs',
    200,
    async () => {
      await event(postOp({ endpoint: 'x', trace_id: TRACE, model: 'gpt-4o', input_tokens: 3 }));
      return runs(httpEvent({ path: '/observer/runs', query: { outcome: 'failed' } }));
    },
  ],
  [
    'GET',
    '/observer/runs',
    400,
    () => runs(httpEvent({ path: '/observer/runs', query: { outcome: 'maybe' } })),
  ],
  [
    'GET',
    '/observer/runs/{trace_id}',
    200,
    async () => {
      await otlpTraces(postTraces(otlpBody(sdkSpans(), 'json')));
      const listed = bodyOf(await runs(httpEvent({ path: '/observer/runs' }))).runs as {
        trace_id: string;
      }[];
      return run(getRun(listed[0]?.trace_id ?? ''));
    },
  ],
  ['GET', '/observer/runs/{trace_id}', 404, () => run(getRun(TRACE))],
  ['GET', '/observer/runs/{trace_id}', 400, () => run(getRun('a b'))],
  [
    'GET',
    '/observer/playbooks',
    200,
    async () => {
      await otlpTraces(postTraces(otlpBody(sdkSpans(), 'json')));
      await snapshot();
      return playbooks(httpEvent({ path: '/observer/playbooks' }));
    },
  ],
  ['GET', '/observer/health', 200, () => health(httpEvent())],
  ['GET', '/observer/openapi.json', 200, () => openapi(httpEvent())],
  ['GET', '/nowhere', 404, () => notFound(httpEvent({ path: '/nowhere' }))],
  [
    'DELETE',
    '/observer/stats',
    405,
    () => notFound(httpEvent({ method: 'DELETE', path: '/observer/stats' })),
  ],
  [
    'GET',
    '/observer/issues',
    200,
    async () => {
      await twoIssues();
      return issues(httpEvent({ path: '/observer/issues', query: { sort: 'count' } }));
    },
  ],
  [
    'GET',
    '/observer/issues',
    400,
    () => issues(httpEvent({ path: '/observer/issues', query: { sort: 'x' } })),
  ],
  ['GET', '/observer/issues/{id}', 200, async () => issue(onIssue('GET', (await twoIssues())[0]))],
  ['GET', '/observer/issues/{id}', 400, () => issue(onIssue('GET', 'nope'))],
  ['GET', '/observer/issues/{id}', 404, () => issue(onIssue('GET', '0123456789abcdef'))],
  [
    'POST',
    '/observer/issues/{id}',
    200,
    async () => issueStatus(onIssue('POST', (await twoIssues())[0], '', { status: 'resolved' })),
  ],
  [
    'POST',
    '/observer/issues/{id}',
    400,
    async () => issueStatus(onIssue('POST', (await twoIssues())[0], '', { status: 'gone' })),
  ],
  [
    'POST',
    '/observer/issues/{id}',
    404,
    () => issueStatus(onIssue('POST', '0123456789abcdef', '', { status: 'resolved' })),
  ],
  [
    'POST',
    '/observer/issues/{id}',
    409,
    async () => {
      const [a, b] = await twoIssues();
      await issueMerge(onIssue('POST', a, '/merge', { into: b }));
      return issueStatus(onIssue('POST', a, '', { status: 'resolved' }));
    },
  ],
  [
    'POST',
    '/observer/issues/{id}/merge',
    200,
    async () => {
      const [a, b] = await twoIssues();
      return issueMerge(onIssue('POST', a, '/merge', { into: b }));
    },
  ],
  [
    'POST',
    '/observer/issues/{id}/merge',
    400,
    async () => {
      const [a] = await twoIssues();
      return issueMerge(onIssue('POST', a, '/merge', { into: a }));
    },
  ],
  [
    'POST',
    '/observer/issues/{id}/merge',
    404,
    () => issueMerge(onIssue('POST', '0123456789abcdef', '/merge', { into: '0123456789abcdef' })),
  ],
  [
    'POST',
    '/observer/issues/{id}/merge',
    409,
    async () => {
      const [a, b] = await twoIssues();
      await issueMerge(onIssue('POST', a, '/merge', { into: b }));
      return issueMerge(onIssue('POST', a, '/merge', { into: b }));
    },
  ],
];

describe('the answers the handlers give', () => {
  it.each(cases)('%s %s %i is what the description says', async (method, path, status, send) => {
    const res = await send();

    expect(res.statusCode).toBe(status);
    const validate = described.answer(method, path, status);
    expect(validate(bodyOf(res)), errorsOf(validate)).toBe(true);
  });

  it('a history answer holds a snapshot to check', async () => {
    await snapshot();

    const res = await history(httpEvent({ path: '/observer/stats/history' }));

    expect((bodyOf(res).snapshots as unknown[]).length).toBe(1);
  });

  it('GET /observer/stats 401 without the configured token is what the description says', async () => {
    vi.stubEnv('OBSERVER_API_TOKEN', 'a-token-of-twenty-chars');
    vi.resetModules();
    const fresh = await import('../../../handlers/stats');

    const res = await fresh.handler(getStats());

    expect(res.statusCode).toBe(401);
    const validate = described.answer('GET', '/observer/stats', 401);
    expect(validate(bodyOf(res)), errorsOf(validate)).toBe(true);
  });

  it.each([
    ['GET', '/observer/stats', 'ingest', 403],
    ['POST', '/observer/event', 'read', 403],
    ['POST', '/observer/event', 'unknown', 401],
  ] as const)(
    '%s %s with a key of scope %s: %i is what the description says',
    async (method, path, scope, status) => {
      const keys = {
        ingest: 'obs_described-ingest-0123456789',
        read: 'obs_described-read-0123456789',
      };
      vi.stubEnv(
        'OBSERVER_API_KEYS',
        `ingest:${hashApiKey(keys.ingest)},read:${hashApiKey(keys.read)}`,
      );
      vi.resetModules();
      const fresh = await import(
        path === '/observer/stats' ? '../../../handlers/stats' : '../../../handlers/event'
      );
      const key = scope === 'unknown' ? 'obs_nobody-0123456789' : keys[scope];

      const res = await fresh.handler(
        httpEvent({
          method,
          path,
          body: '{"endpoint":"x"}',
          headers: { authorization: `Bearer ${key}` },
        }),
      );

      expect(res.statusCode).toBe(status);
      const validate = described.answer(method, path, status);
      expect(validate(bodyOf(res)), errorsOf(validate)).toBe(true);
    },
  );
});
