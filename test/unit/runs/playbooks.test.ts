import { beforeEach, describe, expect, it } from 'vitest';
import { handler as traces } from '../../../handlers/otlp-traces';
import { handler as playbooksRoute } from '../../../handlers/playbooks';
import { handler as snapshot } from '../../../handlers/snapshot';
import { resetRuntime } from '../../../lib/app/runtime';
import type { RingEntry } from '../../../lib/domain/entry';
import { playbooks } from '../../../lib/runs/playbooks';
import { bodyOf, httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';
import { makeSpans, mediaOf, otlpBody, postTraces, researchRun } from '../../support/otlp';

beforeEach(() => {
  resetRuntime({ store: new MemorySegmentStore() });
  captureLogs('info', 'warn', 'error');
});

describe('GET /observer/playbooks', () => {
  it('says of 50 runs, 40 through plan → search → fetch → answer and 10 failing at fetch with a 429, exactly that', async () => {
    const plans = Array.from({ length: 50 }, (_, i) => researchRun(i % 5 === 4));
    const spans = makeSpans({ 'service.name': 'research-bot', 'observer.role': 'analyst' }, plans);
    for (let i = 0; i < spans.length; i += 512) {
      const res = await traces(
        postTraces(otlpBody(spans.slice(i, i + 512), 'protobuf'), {
          contentType: mediaOf('protobuf'),
        }),
      );
      expect(res.statusCode).toBe(200);
    }

    await snapshot();
    const answer = bodyOf(await playbooksRoute(httpEvent({ path: '/observer/playbooks' })));

    expect(answer.runs).toBe(50);
    expect(answer.playbooks).toEqual([
      {
        agent: 'researcher',
        scenario: null,
        role: 'analyst',
        runs: 50,
        succeeded: 40,
        failed: 10,
        success_rate: 0.8,
        path: { steps: ['plan', 'search', 'fetch', 'answer'], runs: 40, share: 1 },
        failing_step: {
          step: 'fetch',
          runs: 10,
          share: 1,
          cluster: {
            id: expect.stringMatching(/^[0-9a-f]{16}$/),
            template: 'HTTP <*> Too Many Requests from <*>',
            count: 10,
          },
        },
        duration_ms: { p50: 126, p90: 126 },
        tokens: { p50: 1440, p90: 1440 },
      },
    ]);
  });

  it('answers no playbooks before the first snapshot', async () => {
    const answer = bodyOf(await playbooksRoute(httpEvent({ path: '/observer/playbooks' })));

    expect(answer).toEqual({ generated_at: null, runs: 0, playbooks: [] });
  });
});

describe('playbooks of runs sent without OpenTelemetry', () => {
  const at = Date.parse('2026-11-24T21:00:00.000Z');
  let n = 0;
  /** A run of flat ops (trace_id only), each a step. */
  function run(id: string, steps: [string, boolean, string?][], fields = {}): RingEntry[] {
    return steps.map(([endpoint, success, error], i) => ({
      key: `ops/2026/11/24/21/20261124T2100${String(n++).padStart(5, '0')}Z-a.jsonl`,
      line: 0,
      op: op(endpoint, {
        success,
        trace_id: id,
        timestamp: new Date(at + i * 10).toISOString(),
        duration_ms: 5,
        staffer_id: 'w-1',
        ...(error ? { error } : {}),
        ...fields,
      }),
    }));
  }

  it('groups by agent and role, collapses a step repeated in a row, and names the failing step', () => {
    const entries = [
      ...run('r1', [
        ['plan', true],
        ['search', true],
        ['search', true],
        ['answer', true],
      ]),
      ...run('r2', [
        ['plan', true],
        ['search', true],
        ['answer', true],
      ]),
      ...run('r3', [
        ['plan', true],
        ['answer', true],
      ]),
      ...run('r4', [
        ['plan', true],
        ['search', false, 'timeout after 30 s'],
      ]),
      ...run('r5', [['plan', true]], { staffer_id: 'w-2' }),
    ];

    const {
      playbooks: [main, other],
    } = playbooks(entries, at);

    expect(main).toMatchObject({
      agent: 'w-1',
      runs: 4,
      succeeded: 3,
      failed: 1,
      success_rate: 0.75,
      path: { steps: ['plan', 'search', 'answer'], runs: 2, share: 0.6667 },
      failing_step: {
        step: 'search',
        runs: 1,
        share: 1,
        cluster: { template: 'timeout after <*>' },
      },
    });
    expect(other).toMatchObject({ agent: 'w-2', runs: 1, failing_step: null });
  });

  it('groups runs without an agent by their scenario', () => {
    const entries = run('s1', [['step', true]], { staffer_id: undefined, scenario: 'nightly' });

    expect(playbooks(entries, at).playbooks[0]).toMatchObject({ agent: null, scenario: 'nightly' });
  });
});
