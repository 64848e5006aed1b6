import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { type FaultyS3Proxy, isPutObject, startFaultyS3Proxy } from '../../dev/faulty-s3-proxy';
import { LOCAL_S3_CREDENTIALS } from '../../lib/platform/limits';
import { createS3Client } from '../../lib/storage/s3-client';
import { getText, listKeys, rawClient, uniquePrefix } from '../support/s3';

// The fault-injecting proxy in front of the test S3: what it lets through,
// what it fails, and how the S3 client sees a failure.

const s3 = rawClient();
const REGION = 'us-east-1';
let proxy: FaultyS3Proxy | undefined;
let viaProxy: S3Client | undefined;

afterEach(async () => {
  viaProxy?.destroy();
  await proxy?.close();
  viaProxy = undefined;
  proxy = undefined;
});
afterAll(() => s3.destroy());

async function through(
  failureRate: number,
  faults?: ('slow-down' | 'drop')[],
  maxAttempts?: number,
) {
  proxy = await startFaultyS3Proxy({
    target: inject('s3Endpoint'),
    failureRate,
    seed: 7,
    ...(faults ? { faults } : {}),
  });
  viaProxy =
    maxAttempts === undefined
      ? createS3Client({
          s3Endpoint: proxy.endpoint,
          s3Credentials: LOCAL_S3_CREDENTIALS,
          region: REGION,
        })
      : // No SDK retries (and none of their backoff) where only the proxy's draws matter.
        new S3Client({
          endpoint: proxy.endpoint,
          forcePathStyle: true,
          credentials: LOCAL_S3_CREDENTIALS,
          region: REGION,
          maxAttempts,
          requestChecksumCalculation: 'WHEN_REQUIRED',
        });
  return { proxy, client: viaProxy };
}

const put = (client: S3Client, key: string, body: string) =>
  client.send(new PutObjectCommand({ Bucket: inject('s3Bucket'), Key: key, Body: body }));

describe('the faulty S3 proxy', () => {
  it('tells PutObject from other PUTs', () => {
    expect(isPutObject('PUT', '/bucket/ops/a.jsonl?x-id=PutObject', undefined)).toBe(true);
    expect(isPutObject('PUT', '/bucket/ops/a.jsonl', undefined)).toBe(true);
    expect(isPutObject('PUT', '/bucket', undefined)).toBe(false);
    expect(isPutObject('PUT', '/bucket/a?x-id=CopyObject', 'bucket/b')).toBe(false);
    expect(isPutObject('PUT', '/bucket/a?partNumber=1&uploadId=u', undefined)).toBe(false);
    expect(isPutObject('GET', '/bucket/a', undefined)).toBe(false);
  });

  it('passes everything through at a failure rate of 0, counting PutObjects', async () => {
    const { proxy, client } = await through(0);
    const prefix = uniquePrefix('proxy-pass');

    for (let i = 0; i < 5; i++) await put(client, `${prefix}k${i}`, `body ${i}`);

    expect(await listKeys(s3, prefix)).toHaveLength(5);
    expect(await getText(s3, `${prefix}k3`)).toBe('body 3');
    expect(proxy.counts).toMatchObject({ putObject: 5, failed: 0 });
  });

  it('answers a failed PutObject with 503 SlowDown and writes nothing', async () => {
    const { proxy, client } = await through(1, ['slow-down']);
    const key = `${uniquePrefix('proxy-slow')}k`;

    const err = await put(client, key, 'x').catch((e: unknown) => e);

    expect(err).toMatchObject({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
    expect(await listKeys(s3, key)).toEqual([]);
    // The SDK tried twice (S3_MAX_ATTEMPTS); both were failed.
    expect(proxy.counts).toMatchObject({ putObject: 2, failed: 2, slowDown: 2 });
  });

  it('drops the connection of a failed PutObject and writes nothing', async () => {
    const { proxy, client } = await through(1, ['drop']);
    const key = `${uniquePrefix('proxy-drop')}k`;

    const err = await put(client, key, 'x').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Error);
    expect(await listKeys(s3, key)).toEqual([]);
    expect(proxy.counts.dropped).toBe(proxy.counts.putObject);
  });

  it('fails a seeded share of PutObjects: the same seed, the same count', async () => {
    const counts: number[] = [];
    for (let run = 0; run < 2; run++) {
      const { proxy, client } = await through(0.3, ['slow-down'], 1);
      const prefix = uniquePrefix('proxy-share');
      for (let i = 0; i < 20; i++) await put(client, `${prefix}k${i}`, 'x').catch(() => {});
      counts.push(proxy.counts.failed);
      client.destroy();
      await proxy.close();
      viaProxy = undefined;
    }

    expect(counts[0]).toBe(counts[1]);
    expect(counts[0]).toBeGreaterThan(0);
  });
});
