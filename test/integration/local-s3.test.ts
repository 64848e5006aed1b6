import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketCorsCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../dev/local-s3';
import { localS3Client } from '../../dev/s3-tools';

// The embedded S3 keeps bucket lookups in memory (dev/s3rver-trim.ts): what
// it answers must still follow every write to a bucket or its documents.

const BUCKET = 'observer-local-s3-test';
const OTHER = 'observer-local-s3-other';
let directory: string;
let s3: LocalS3;
let client: S3Client;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'observer-local-s3-'));
  s3 = await startLocalS3({ directory, bucket: BUCKET });
  client = localS3Client(s3.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  rmSync(directory, { recursive: true, force: true });
});

const put = (bucket: string) =>
  client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));

describe('the embedded S3 after its bucket lookups are cached', () => {
  it('follows a bucket from missing to created to deleted', async () => {
    await expect(put(OTHER)).rejects.toMatchObject({ name: 'NoSuchBucket' });

    await client.send(new CreateBucketCommand({ Bucket: OTHER }));
    await put(OTHER);
    await client.send(new DeleteObjectCommand({ Bucket: OTHER, Key: 'k' }));
    await client.send(new DeleteBucketCommand({ Bucket: OTHER }));

    await expect(put(OTHER)).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('reads a bucket document as last written: put, replaced, deleted', async () => {
    const cors = (origin: string) =>
      client.send(
        new PutBucketCorsCommand({
          Bucket: BUCKET,
          CORSConfiguration: {
            CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: [origin] }],
          },
        }),
      );
    const origins = async () =>
      (await client.send(new GetBucketCorsCommand({ Bucket: BUCKET }))).CORSRules?.[0]
        ?.AllowedOrigins;

    await cors('https://a.example');
    expect(await origins()).toEqual(['https://a.example']);
    await cors('https://b.example');
    expect(await origins()).toEqual(['https://b.example']);
    await client.send(new DeleteBucketCorsCommand({ Bucket: BUCKET }));
    await expect(origins()).rejects.toMatchObject({ name: 'NoSuchCORSConfiguration' });
  });
});
