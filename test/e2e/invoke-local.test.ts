import { describe, expect, inject, it } from 'vitest';
import { hourPartition, partitionStart, partKey } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { stackEnv } from '../support/e2e';
import { httpEvent } from '../support/events';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';
import { invokeLocal } from '../support/serverless';

// `serverless invoke local` of each function with a realistic event, over
// the test S3 server, each suite on a prefix of its own.

const s3 = rawClient();

describe('serverless invoke local', () => {
  const prefix = uniquePrefix('e2e-invoke');
  const env = stackEnv(prefix);

  it('runs health with an API Gateway v2 event', async () => {
    const res = await invokeLocal('health', httpEvent({ path: '/observer/health' }), env);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ status: 'ok' });
  });

  it('runs event with an API Gateway v2 event and stores the op', async () => {
    const res = await invokeLocal(
      'event',
      httpEvent({
        method: 'POST',
        path: '/observer/event',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: 'invoke-local', success: true }),
      }),
      env,
    );

    expect(res.statusCode).toBe(201);
    expect(await listKeys(s3, `${prefix}ops/`)).toHaveLength(1);
  });

  it('runs stats with an API Gateway v2 event, rebuilt from S3', async () => {
    const res = await invokeLocal('stats', httpEvent({ path: '/observer/stats' }), env);

    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ total: 1, successes: 1, failures: 0 });
  });

  it('runs the scheduled snapshot with an EventBridge event', async () => {
    const res = await invokeLocal(
      'snapshot',
      {
        version: '0',
        id: 'e2e',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: new Date().toISOString(),
        region: 'us-east-1',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/observer-local-snapshot'],
        detail: {},
      },
      env,
    );

    expect(res).toMatchObject({ ops: 1 });
  });

  it('runs notFound for an unmatched route', async () => {
    const res = await invokeLocal('notFound', httpEvent({ path: '/x' }), env);

    expect(res.statusCode).toBe(404);
  });
});

describe('the compact function through serverless invoke local', () => {
  const prefix = uniquePrefix('e2e-compact');
  const env = stackEnv(prefix);

  it('with no queue, compacts an old hour into its one part, written and read back by the bundle', async () => {
    const old = new Date(Date.now() - 5 * 3_600_000);
    await new S3SegmentStore(s3, inject('s3Bucket'), prefix).append(
      [{ endpoint: 'five-hours-ago', success: true, timestamp: old.toISOString(), source: 'mcp' }],
      old,
    );

    const summary = await invokeLocal('compact', {}, env);

    expect(summary).toMatchObject({ compacted: 1, segments_deleted: 1, ops_compacted: 1 });
    const hour = await listKeys(s3, `${prefix}${hourPartition(old)}`);
    const part = partKey(hourPartition(old), partitionStart(hourPartition(old)) as number);
    expect(hour).toEqual([`${prefix}${part}`]);
    const entries = await new S3SegmentStore(s3, inject('s3Bucket'), prefix).read(part);
    expect(entries?.map((e) => e.op.endpoint)).toEqual(['five-hours-ago']);
  });
});
