import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiKeyEntry } from '../../../lib/platform/api-keys';
import { HOUR_MS, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { type Container, freshContainer } from '../../support/container';
import { getStats, postOp } from '../../support/events';
import { captureLogs, type Logs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// What one invocation writes to the console: JSON log lines (Powertools
// logger) and one CloudWatch embedded-metric-format line (Powertools metrics).

type Line = Record<string, unknown>;

let logs: Logs;

beforeEach(() => {
  logs = captureLogs('log', 'info', 'warn', 'error');
});

afterEach(() => {
  // Every line is JSON: a log line or a metric document.
  expect(logs.json()).toHaveLength(logs.all.length);
});

function lambdaContext(
  requestId: string,
  functionName = 'observer-test-event',
  remainingMs = 10_000,
): Context {
  return {
    awsRequestId: requestId,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** A new container on an in-memory store, as Lambda starts one (on demand). */
async function container(
  env: Record<string, string> = {},
): Promise<Container & { store: MemorySegmentStore }> {
  const c = await freshContainer({
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    POWERTOOLS_SERVICE_NAME: 'observer-test',
    ...env,
  });
  const store = new MemorySegmentStore();
  c.runtime.resetRuntime({ store });
  logs.clear();
  return { ...c, store };
}

/** The EMF documents written, each as its metric values and definition. */
function emf(): { values: Line; namespace: string; dimensions: string[][]; units: Line }[] {
  return logs
    .json('log')
    .filter((line) => '_aws' in line)
    .map((line) => {
      const aws = line._aws as {
        CloudWatchMetrics: {
          Namespace: string;
          Dimensions: string[][];
          Metrics: { Name: string; Unit: string }[];
        }[];
      };
      const [definition] = aws.CloudWatchMetrics;
      return {
        values: line,
        namespace: definition?.Namespace ?? '',
        dimensions: definition?.Dimensions ?? [],
        units: Object.fromEntries((definition?.Metrics ?? []).map((m) => [m.Name, m.Unit])),
      };
    });
}

describe('a POST /observer/event', () => {
  it('logs one request line with the request id, function name and cold-start flag', async () => {
    const c = await container();

    await c.event(postOp({ endpoint: 'x' }), lambdaContext('req-1'));
    await c.event(postOp({ endpoint: 'y' }), lambdaContext('req-2'));

    expect(logs.logLines('request')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'observer-test',
        function_request_id: 'req-1',
        function_name: 'observer-test-event',
        cold_start: true,
        method: 'POST',
        path: '/observer/event',
        status: 201,
        ms: expect.any(Number),
      }),
      expect.objectContaining({ function_request_id: 'req-2', cold_start: false, status: 201 }),
    ]);
  });

  it('emits OpsRecorded in the Observer namespace, by service', async () => {
    const c = await container();

    await c.event(postOp({ endpoint: 'x' }), lambdaContext('req-1'));

    expect(emf()).toEqual([
      {
        values: expect.objectContaining({ OpsRecorded: 1, service: 'observer-test' }),
        namespace: 'Observer',
        dimensions: [['service']],
        units: { OpsRecorded: 'Count' },
      },
    ]);
  });

  it.each<{
    status: number;
    reason: string;
    op: object;
    env: Record<string, string>;
    headers?: Record<string, string>;
  }>([
    { status: 400, reason: 'invalid', op: { endpoint: '' }, env: {} },
    { status: 413, reason: 'too_large', op: { endpoint: 'x', blob: 'a'.repeat(70_000) }, env: {} },
    {
      status: 401,
      reason: 'unauthorized',
      op: { endpoint: 'x' },
      env: { OBSERVER_API_TOKEN: 'a-token-of-16-chars!' },
    },
    {
      status: 403,
      reason: 'forbidden',
      op: { endpoint: 'x' },
      env: { OBSERVER_API_KEYS: apiKeyEntry('read', 'obs_a-read-key-0123456789') },
      headers: { authorization: 'Bearer obs_a-read-key-0123456789' },
    },
  ])('emits OpsRejected with reason $reason for a $status', async (rejection) => {
    const { op, env, status, reason, headers } = rejection;
    const c = await container(env);

    const res = await c.event(postOp(op, headers), lambdaContext('req-1'));

    expect(res.statusCode).toBe(status);
    expect(emf()).toEqual([
      {
        values: expect.objectContaining({ OpsRejected: 1, reason, service: 'observer-test' }),
        namespace: 'Observer',
        dimensions: [['service', 'reason']],
        units: { OpsRejected: 'Count' },
      },
    ]);
    expect(logs.logLines('request')).toEqual([expect.objectContaining({ status })]);
  });

  it('emits PersistFailures and logs the storage error when S3 does not take the op', async () => {
    const c = await container();
    // The container's own class: freshContainer loaded its modules anew.
    const { StoreUnavailableError } = await import('../../../lib/storage/errors');
    c.store.append = async () => {
      throw new StoreUnavailableError('the segment could not be written', {
        cause: new Error('socket hang up'),
      });
    };

    const res = await c.event(postOp({ endpoint: 'x' }), lambdaContext('req-1'));

    expect(res.statusCode).toBe(503);
    expect(emf().map((m) => m.values)).toEqual([expect.objectContaining({ PersistFailures: 1 })]);
    expect(logs.logLines('storage unavailable')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        function_request_id: 'req-1',
        cause: 'Error: socket hang up',
      }),
    ]);
  });
});

describe('a GET /observer/stats', () => {
  const seed = (store: MemorySegmentStore, n: number) => {
    for (let i = 0; i < n; i++) {
      store.putRaw(
        segmentKey(new Date(Date.now() - 60_000 + i), `s${i}`),
        encodeSegment([op(`e${i}`)]),
      );
    }
  };

  it('emits the cold-start rebuild time, the segments read and the ring size', async () => {
    const c = await container();
    seed(c.store, 3);

    await c.stats(getStats(), lambdaContext('req-1', 'observer-test-stats'));

    const [metrics] = emf();
    expect(metrics?.values).toMatchObject({ SegmentsRead: 3, RingSize: 3 });
    expect(metrics?.values.ColdStartRebuildTime).toEqual(expect.any(Number));
    expect(metrics?.values.RefreshTime).toBeUndefined();
    expect(metrics?.units).toEqual({
      ColdStartRebuildTime: 'Milliseconds',
      RingSize: 'Count',
      SegmentsRead: 'Count',
    });
  });

  it('emits the refresh time when warm, and no SegmentsRead when nothing is new', async () => {
    const c = await container();
    seed(c.store, 3);
    await c.stats(getStats(), lambdaContext('req-1', 'observer-test-stats'));
    logs.clear();

    await c.stats(getStats(), lambdaContext('req-2', 'observer-test-stats'));

    const [metrics] = emf();
    expect(metrics?.values).toMatchObject({ RingSize: 3, RefreshTime: expect.any(Number) });
    expect(Object.keys(metrics?.units ?? {}).sort()).toEqual(['RefreshTime', 'RingSize']);
  });
});

describe('the compact function', () => {
  async function compactContainer() {
    const c = await container();
    const old = new Date(Date.now() - 5 * HOUR_MS);
    const segments = new MemorySegmentStore();
    for (const u of ['a', 'b']) segments.putRaw(segmentKey(old, u), encodeSegment([op('x')]));
    c.runtime.resetRuntime({ store: segments });
    const { handler } = await import('../../../handlers/compact');
    return handler;
  }

  it('emits the segments it compacted and the hours it could not', async () => {
    const handler = await compactContainer();

    await handler({}, lambdaContext('req-1', 'observer-test-compact', 900_000));

    expect(emf().map((m) => m.values)).toEqual([
      expect.objectContaining({
        SegmentsCompacted: 2,
        CompactionFailures: 0,
        CompactionLagSeconds: expect.any(Number),
      }),
    ]);
    expect(logs.logLines('compaction finished')).toEqual([
      expect.objectContaining({ function_name: 'observer-test-compact', compacted: 1 }),
    ]);
  });

  it('plans, but starts no unit with less than a minute left, and says so', async () => {
    const handler = await compactContainer();

    const summary = await handler({}, lambdaContext('req-1', 'observer-test-compact', 59_000));

    expect(summary).toMatchObject({ compacted: 0, segments_deleted: 0, stopped_early: true });
    expect(summary).toMatchObject({ plan: { planned: 1, parts_dispatched: 1 } });
    expect(
      logs.logLines('compaction stopped before the time limit; the next run goes on'),
    ).toHaveLength(1);
  });
});
