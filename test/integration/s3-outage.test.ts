import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/free-port';
import { type LocalS3, spawnLocalS3 } from '../../dev/local-s3';
import { listKeysIn, localS3Client } from '../../dev/s3-tools';
import { mapLimit } from '../../lib/platform/concurrency';
import { type Container, freshContainer } from '../support/container';
import { bodyOf, getStats, postOp } from '../support/events';
import { captureLogs } from '../support/logs';
import { uniquePrefix } from '../support/s3';

// A local S3 server of this test's own, stopped in the middle of a run and
// started again on the same port over the same data: 503s while it is down,
// full service after, and nothing acknowledged lost.

const BUCKET = 'observer-outage';
const PREFIX = uniquePrefix('outage');

describe('an S3 outage and its recovery', () => {
  let directory: string;
  let port: number;
  let server: LocalS3 | undefined;
  let env: { S3_ENDPOINT: string; OBSERVER_BUCKET: string; OBSERVER_PREFIX: string };
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

  it('answers 503 to every op while S3 is down, never claiming one was recorded', async () => {
    const logs = captureLogs('error');
    await server?.close();
    server = undefined;

    const answers = await post(writer, 1000, 20);

    // A refused connection never reached S3: nothing was recorded, and there was no key to
    // settle. A request that went out on a pooled connection the stopped server reset may
    // have reached it, as far as the client can tell: its outcome is unknown, never "recorded".
    expect(answers.every((a) => a.status === 503)).toBe(true);
    const refused = answers.filter((a) => a.recorded === false).length;
    const unknown = answers.filter((a) => a.recorded === 'unknown').length;
    expect(refused + unknown).toBe(20);
    const errors = logs.texts('error');
    expect(
      errors.filter((l) => /StoreUnavailableError: writing ops\/\S+ failed"/.test(l)),
    ).toHaveLength(refused);
  });

  it('answers stats from the cached ring, marked stale, while S3 is down', async () => {
    captureLogs('warn');

    const res = await writer.stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-observer-stale']).toBe('true');
    expect(bodyOf(res).total).toBe(40);
  });

  it('answers 503 to stats in a new container while S3 is down', async () => {
    captureLogs('error');
    const cold = await freshContainer(env);

    const res = await cold.stats(getStats());

    expect(res.statusCode).toBe(503);
  });

  it('acknowledges every op again once S3 is back on the same port and data', async () => {
    server = await spawnLocalS3({ directory, bucket: BUCKET, port });

    const answers = await post(writer, 2000, 40);

    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(acked.size).toBe(80);
  });

  it('lost nothing acknowledged: S3, the warm ring and a cold start all hold exactly the 201s', async () => {
    const client = localS3Client(env.S3_ENDPOINT);
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
