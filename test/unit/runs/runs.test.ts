import { beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as events } from '../../../handlers/events';
import { handler as ops } from '../../../handlers/ops';
import { handler as traces } from '../../../handlers/otlp-traces';
import { handler as run } from '../../../handlers/run';
import { handler as runs } from '../../../handlers/runs';
import { getStore, resetRuntime } from '../../../lib/app/runtime';
import type { RingEntry } from '../../../lib/domain/entry';
import { runAnswer } from '../../../lib/runs/run-answers';
import { spanErrorsKey } from '../../../lib/storage/keys';
import { bodyOf, httpEvent, postBatch, postOp } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';
import { makeSpans, mediaOf, otlpBody, postTraces, researchRun } from '../../support/otlp';

beforeEach(() => {
  resetRuntime({ store: new MemorySegmentStore() });
  captureLogs('info', 'warn', 'error');
});

const getRun = (id: string) => ({
  ...httpEvent({ path: `/observer/runs/${id}` }),
  pathParameters: { trace_id: id },
});

async function sendRun(fail: boolean): Promise<string> {
  const spans = makeSpans({ 'service.name': 'research-bot' }, [researchRun(fail)]);
  await traces(postTraces(otlpBody(spans, 'protobuf'), { contentType: mediaOf('protobuf') }));
  return spans[0]?.spanContext().traceId as string;
}

describe('GET /observer/runs/{trace_id}', () => {
  it('answers the ops in start order with their depth, the outcome, where it failed first, duration and tokens', async () => {
    const id = await sendRun(true);

    const answer = bodyOf(await run(getRun(id)));

    expect(answer).toMatchObject({
      trace_id: id,
      outcome: 'failed',
      first_failure: {
        endpoint: 'fetch',
        error: 'HTTP 429 Too Many Requests from api.example.com',
      },
      duration_ms: 86,
      agent: 'researcher',
      source: 'research-bot',
      may_be_incomplete: false,
      incomplete_because: [],
      tokens: {
        total: { ops: 1, input_tokens: 300, output_tokens: 40, cost_usd: 0.000069 },
        by_model: { 'gpt-4o-mini-2024-07-18': { ops: 1, cost_usd: 0.000069 } },
      },
    });
    const list = answer.ops as { depth: number; offset_ms: number; op: { endpoint: string } }[];
    expect(list.map((o) => [o.op.endpoint, o.depth, o.offset_ms])).toEqual([
      ['invoke_agent researcher', 0, 0],
      ['plan', 1, 0],
      ['search', 1, 40],
      ['fetch', 1, 60],
    ]);
  });

  it('answers a run that succeeded, with no first failure', async () => {
    const id = await sendRun(false);

    expect(bodyOf(await run(getRun(id)))).toMatchObject({
      outcome: 'succeeded',
      first_failure: null,
    });
  });

  it('says a run may be incomplete when an op names a parent the ring does not hold', async () => {
    await event(postOp({ endpoint: 'child', trace_id: 'r-9', span_id: 'b', parent_span_id: 'a' }));

    const answer = bodyOf(await run(getRun('r-9')));

    expect(answer.may_be_incomplete).toBe(true);
    expect(answer.incomplete_because).toEqual([
      'span a is the parent of an op of the run but is not in the ring',
    ]);
  });

  it('says a run may be incomplete when the ring is full and the run began before its oldest op', () => {
    const entry = (i: number, timestamp: string): RingEntry => ({
      key: `ops/2026/11/24/21/20261124T21000${i}000Z-a.jsonl`,
      line: 0,
      op: op('step', { trace_id: 'r', timestamp }),
    });
    const entries = [entry(1, '2026-11-24T20:59:00.000Z'), entry(2, '2026-11-24T21:00:02.000Z')];

    const answer = runAnswer(entries, 'r', {
      edge: { full: true, oldest: Date.parse('2026-11-24T21:00:01.000Z') },
      prices: {},
    });

    expect(answer.may_be_incomplete).toBe(true);
    expect(answer.incomplete_because[0]).toMatch(/^the ring is full and the run began before/);
  });

  it('shows the error an OTLP error log said about a failed span that had none', async () => {
    const spans = makeSpans({ 'service.name': 'bot' }, [
      { name: 'execute_tool fetch', attributes: { 'gen_ai.tool.name': 'fetch' }, error: '' },
    ]);
    await traces(postTraces(otlpBody(spans, 'json')));
    const { traceId, spanId } = spans[0]?.spanContext() ?? { traceId: '', spanId: '' };
    await getStore().putDocument(
      spanErrorsKey(traceId, new Date()),
      JSON.stringify({
        errors: [{ trace_id: traceId, span_id: spanId, error: 'RateLimited: 429' }],
      }),
    );

    const [only] = bodyOf(await run(getRun(traceId))).ops as Record<string, unknown>[];

    expect(only).toMatchObject({ error_from_log: true, op: { error: 'RateLimited: 429' } });
  });

  it('answers 404 for a run with no op in the ring, and 400 for an id no op could carry', async () => {
    const missing = await run(getRun('4bf92f3577b34da6a3ce929d0e0e4736'));
    const bad = await run(getRun('a/b'));

    expect(missing.statusCode).toBe(404);
    expect(bodyOf(missing).error).toBe(
      'no op of run 4bf92f3577b34da6a3ce929d0e0e4736 is in the ring (its newest ops)',
    );
    expect(bad.statusCode).toBe(400);
  });
});

describe('runs from /observer/events and GET /observer/runs', () => {
  it('groups ops a client sends with a trace_id into a run, and filters by outcome, agent and source', async () => {
    await events(
      postBatch([
        { endpoint: 'plan', trace_id: 'loop-1', success: true, staffer_id: 'w-1' },
        { endpoint: 'act', trace_id: 'loop-1', success: false, error: 'boom', staffer_id: 'w-1' },
        {
          endpoint: 'plan',
          trace_id: 'loop-2',
          success: true,
          staffer_id: 'w-2',
          source: 'scenario',
        },
        { endpoint: 'alone' },
      ]),
    );

    const all = bodyOf(await runs(httpEvent({ path: '/observer/runs' })));
    const failed = bodyOf(
      await runs(httpEvent({ path: '/observer/runs', query: { outcome: 'failed' } })),
    );
    const byAgent = bodyOf(
      await runs(httpEvent({ path: '/observer/runs', query: { agent: 'w-2' } })),
    );
    const bySource = bodyOf(
      await runs(httpEvent({ path: '/observer/runs', query: { source: 'scenario' } })),
    );

    const ids = (a: Record<string, unknown>) =>
      (a.runs as { trace_id: string }[]).map((r) => r.trace_id);
    expect(ids(all).sort()).toEqual(['loop-1', 'loop-2']);
    expect(ids(failed)).toEqual(['loop-1']);
    expect((failed.runs as Record<string, unknown>[])[0]).toMatchObject({
      ops: 2,
      failed_ops: 1,
      first_failure: { endpoint: 'act', error: 'boom' },
    });
    expect(ids(byAgent)).toEqual(['loop-2']);
    expect(ids(bySource)).toEqual(['loop-2']);
  });

  it('GET /observer/ops?trace_id= answers the ops of one run only', async () => {
    await events(
      postBatch([
        { endpoint: 'a', trace_id: 't1' },
        { endpoint: 'b', trace_id: 't2' },
      ]),
    );

    const page = bodyOf(await ops(httpEvent({ path: '/observer/ops', query: { trace_id: 't1' } })));

    expect((page.ops as { op: { endpoint: string } }[]).map((o) => o.op.endpoint)).toEqual(['a']);
  });

  it('refuses an unknown parameter, naming it', async () => {
    const res = await runs(httpEvent({ path: '/observer/runs', query: { colour: 'red' } }));

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('invalid query: colour: is not a parameter of this route');
  });
});
