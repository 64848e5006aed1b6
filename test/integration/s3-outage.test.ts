import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mapLimit } from '../../lib/concurrency';
import { createS3Client } from '../../lib/s3-client';
import { type LocalS3, spawnLocalS3 } from '../../dev/local-s3';
import { type Container, freshContainer } from '../support/container';
import { bodyOf, getStats, postOp } from '../support/events';
import { listKeysIn } from '../support/s3';
import { freePort } from '../support/serverless';

// A local S3 server of this test's own, stopped in the middle of a run and
// started again on the same port over the same data: 503s while it is down,
// full service after, and nothing acknowledged lost.

const BUCKET = 'observer-outage';
const PREFIX = 'outage/';

describe('an S3 outage and its recovery', () => {
  let directory: string;
  let port: number;
  let server: LocalS3 | undefined;
  let env: Record<string, string>;
  let writer: Container;
  const acked = new Set<string>();

  const post = (c: Container, from: number, count: number) =>
    mapLimit(
      Array.from({ length: count }, (_, i) => from + i),
      8,
      async (i) => {
        const res = await c.event(postOp({ endpoint: `outage/${i}`, success: true }));
        const body = bodyOf(res);
        if (res.statusCode === 201) acked.add(`${PREFIX}${String(body.key)}`);
        return { status: res.statusCode, recorded: body.recorded };
      },
    );

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'observer-outage-'));
    port = await freePort();
    server = await spawnLocalS3({ directory, bucket: BUCKET, port });
    env = { S3_ENDPOINT: server.endpoint, OBSERVER_BUCKET: BUCKET, OBSERVER_PREFIX: PREFIX };
    writer = await freshContainer(env);
    await writer.stats(getStats());
  });

  afterAll(async () => {
    await server?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('acknowledges every op while S3 is up', async () => {
    const answers = await post(writer, 0, 40);

    expect(answers.every((a) => a.status === 201)).toBe(true);
  });

  it('answers 503 "nothing was recorded" to every op while S3 is down, without voiding', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await server?.close();
    server = undefined;

    const answers = await post(writer, 1000, 20);

    expect(answers).toEqual(Array(20).fill({ status: 503, recorded: false }));
    // A refused connection never reached S3, so there was no key to settle.
    const errors = logged.mock.calls.map((c) => String(c[0]));
    expect(errors).toHaveLength(20);
    for (const line of errors) {
      expect(line).toContain('StoreUnavailableError: the segment could not be written"');
    }
    vi.restoreAllMocks();
  });

  it('answers stats from the cached ring, marked stale, while S3 is down', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});

    const res = await writer.stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-observer-stale']).toBe('true');
    expect(bodyOf(res).total).toBe(40);
    vi.restoreAllMocks();
  });

  it('answers 503 to stats in a new container while S3 is down', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const cold = await freshContainer(env);

    const res = await cold.stats(getStats());

    expect(res.statusCode).toBe(503);
    vi.restoreAllMocks();
  });

  it('acknowledges every op again once S3 is back on the same port and data', async () => {
    server = await spawnLocalS3({ directory, bucket: BUCKET, port });

    const answers = await post(writer, 2000, 40);

    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(acked.size).toBe(80);
  });

  it('lost nothing acknowledged: S3, the warm ring and a cold start all hold exactly the 201s', async () => {
    const client = createS3Client({
      s3Endpoint: server?.endpoint,
      s3Credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      region: 'us-east-1',
    });
    const keys = await listKeysIn(client, BUCKET, PREFIX);
    client.destroy();
    const warm = await writer.stats(getStats());
    const cold = await freshContainer(env);
    const fromCold = bodyOf(await cold.stats(getStats()));

    expect(new Set(keys)).toEqual(acked);
    expect(warm.headers?.['x-observer-stale']).toBeUndefined();
    expect(bodyOf(warm).total).toBe(80);
    expect(fromCold).toEqual(bodyOf(warm));
  });
});
