import { describe, expect, it } from 'vitest';
import { handler as events } from '../../../handlers/events';
import { handler as run } from '../../../handlers/run';
import { resetRuntime } from '../../../lib/app/runtime';
import { clientSessions } from '../../support/client-session';
import { bodyOf, httpEvent, postBatch } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';

// A loop without OpenTelemetry groups its ops into a run with the client:
// the run fields go out as given, and the service makes a run of them.

const start = clientSessions();

describe('runs from @observer/client', () => {
  it('sends trace, span and parent ids, the conversation and tokens, which the service makes a run of', async () => {
    captureLogs('info', 'warn', 'error');
    const { receiver, client } = await start();
    const trace = { trace_id: 'loop-7', conversation_id: 'chat-3', staffer_id: 'w-17' };
    client.observe({
      ...trace,
      endpoint: 'plan',
      success: true,
      span_id: 'a',
      model: 'gpt-4o',
      input_tokens: 120,
      output_tokens: 30,
    });
    client.observe({
      ...trace,
      endpoint: 'act',
      success: false,
      error: 'HTTP 429',
      span_id: 'b',
      parent_span_id: 'a',
    });

    await client.flush();
    resetRuntime({ store: new MemorySegmentStore() });
    const sent = receiver.ops();
    expect(sent.map((o) => [o.trace_id, o.span_id, o.parent_span_id])).toEqual([
      ['loop-7', 'a', undefined],
      ['loop-7', 'b', 'a'],
    ]);
    expect((await events(postBatch(sent))).statusCode).toBe(201);
    const answer = bodyOf(
      await run({
        ...httpEvent({ path: '/observer/runs/loop-7' }),
        pathParameters: { trace_id: 'loop-7' },
      }),
    );

    expect(answer).toMatchObject({
      outcome: 'failed',
      first_failure: { endpoint: 'act', error: 'HTTP 429' },
      agent: 'w-17',
      conversation_id: 'chat-3',
      tokens: { total: { input_tokens: 120, output_tokens: 30, cost_usd: 0.0006 } },
    });
    expect((answer.ops as { depth: number }[]).map((o) => o.depth)).toEqual([0, 1]);
  });
});
