import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import { handler as event } from '../../../handlers/event';
import { handler as stats } from '../../../handlers/stats';
import { config, resetRuntime } from '../../../lib/app/runtime';
import { collect } from '../../../lib/platform/concurrency';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { S3SegmentStore } from '../../../lib/storage/s3-store';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { bodyOf, getStats, postOp } from '../../support/events';
import { FakeBucket, sdkBody } from '../../support/fake-bucket';
import { captureLogs } from '../../support/logs';
import { op } from '../../support/ops';
import { s3Error } from '../../support/s3-errors';

const s3 = mockClient(S3Client);

beforeEach(() => {
  resetRuntime({ client: new S3Client({ region: 'us-east-1' }) });
  s3.on(ListObjectsV2Command).resolves({ Contents: [], IsTruncated: false });
});

afterEach(() => {
  s3.reset();
});

describe('a failing PutObject', () => {
  it('answers 503 and leaves the ring and stats unchanged', async () => {
    // The first op is written; the second's write fails, and the void settling its key lands.
    s3.on(PutObjectCommand)
      .resolvesOnce({ ETag: '"x"' })
      .rejectsOnce(new Error('socket hang up'))
      .resolves({ ETag: '"void"' });
    await stats(getStats());
    expect((await event(postOp({ endpoint: 'a', success: true }))).statusCode).toBe(201);
    const before = bodyOf(await stats(getStats()));

    const res = await event(postOp({ endpoint: 'b', success: false }));

    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
    expect(bodyOf(res).error).toMatch(/nothing was recorded/);
    expect(bodyOf(await stats(getStats()))).toEqual(before);
    expect(before.total).toBe(1);
  });

  it('voids the key of a write that failed without an answer, so it can never land', async () => {
    s3.on(PutObjectCommand).rejectsOnce(new Error('socket hang up')).resolves({ ETag: '"void"' });

    const res = await event(postOp({ endpoint: 'a' }));

    expect(res.statusCode).toBe(503);
    expect(bodyOf(res).recorded).toBe(false);
    const [write, settle] = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(settle).toMatchObject({
      Key: write?.Key,
      ContentLength: 0,
      IfNoneMatch: '*',
      Metadata: { 'observer-void': '1' },
    });
  });

  it('acknowledges a write whose reply was lost when its key turns out to hold its bytes', async () => {
    let written = '';
    s3.on(PutObjectCommand)
      .callsFakeOnce((input: { Body: Buffer }) => {
        written = input.Body.toString();
        throw new Error('socket hang up');
      })
      .rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).callsFake(() => ({
      Metadata: { 'observer-sha256': createHash('sha256').update(written).digest('hex') },
    }));

    const res = await event(postOp({ endpoint: 'a' }));

    expect(res.statusCode).toBe(201);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
  });

  it('answers 503 saying the outcome is unknown when neither the write nor its void is answered', async () => {
    s3.on(PutObjectCommand).rejects(new Error('socket hang up'));

    const res = await event(postOp({ endpoint: 'a' }));

    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toMatchObject({ recorded: 'unknown' });
    expect(bodyOf(res).error).toMatch(/may or may not have been recorded/);
  });

  it('does not leak the storage error to the client', async () => {
    s3.on(PutObjectCommand).rejects(new Error('AccessDenied for arn:aws:s3:::secret-bucket'));

    const res = await event(postOp({ endpoint: 'a' }));

    expect(res.statusCode).toBe(503);
    expect(res.body).not.toMatch(/secret-bucket/);
  });
});

describe('segment key clashes', () => {
  it('retries a 412 with a new key', async () => {
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('PreconditionFailed', 412))
      .resolves({ ETag: '"ok"' });
    s3.on(HeadObjectCommand).resolves({ ETag: '"someone-else"' });
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b', 'p/');

    const key = await store.append([op()], new Date());

    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts[0]?.Key).not.toBe(puts[1]?.Key);
    expect(puts.every((p) => p.IfNoneMatch === '*')).toBe(true);
    expect(`p/${key}`).toBe(puts[1]?.Key);
  });

  it('voids the key of a 409 conditional-write conflict, then writes under a new key', async () => {
    s3.on(PutObjectCommand)
      .rejectsOnce(s3Error('ConditionalRequestConflict', 409))
      .resolves({ ETag: '"ok"' });
    s3.on(HeadObjectCommand).rejects(s3Error('NotFound', 404));
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b');

    const key = await store.append([op()], new Date());

    // The write that met the conflict may still land; the void makes sure it cannot.
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(3);
    expect(puts[1]).toMatchObject({ Key: puts[0]?.Key, Metadata: { 'observer-void': '1' } });
    expect(puts[2]?.Key).toBe(key);
    expect(puts[2]?.Key).not.toBe(puts[0]?.Key);
  });

  it('takes a 412 on an object holding its own bytes as its own earlier write', async () => {
    const ops = [op()];
    const sha256 = createHash('sha256').update(encodeSegment(ops)).digest('hex');
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    // Its own bytes are told by their SHA-256, whatever the ETag (not an MD5 under SSE-KMS).
    s3.on(HeadObjectCommand).resolves({
      ETag: '"kms-etag"',
      Metadata: { 'observer-sha256': sha256 },
    });
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b');

    const key = await store.append(ops, new Date());

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Key).toBe(key);
  });

  it('never writes under another key while its clashed key may hold its own bytes', async () => {
    // The SDK's retry met the first attempt's object, and S3 never says whose it is.
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).rejects(new Error('socket hang up'));
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b');
    captureLogs('error');

    const failed = await store.append([op()], new Date()).catch((err: unknown) => err);

    expect(failed).toBeInstanceOf(StoreUnavailableError);
    expect(failed).toMatchObject({ outcome: 'unknown' });
    const keys = new Set(s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key));
    expect(keys.size).toBe(1);
  });

  it('gives up with StoreUnavailableError after three clashes', async () => {
    s3.on(PutObjectCommand).rejects(s3Error('PreconditionFailed', 412));
    s3.on(HeadObjectCommand).resolves({ ETag: '"other"' });
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b');

    await expect(store.append([op()], new Date())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(3);
  });
});

describe('listing', () => {
  it('pages past 1000 keys with continuation tokens', async () => {
    const keys = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        Key: `p/ops/2026/11/24/21/20261124T210000${String(from + i)
          .padStart(3, '0')
          .slice(-3)}Z-${String(from + i).padStart(6, '0')}.jsonl`,
      }));
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: keys(0, 1000), IsTruncated: true, NextContinuationToken: 't1' })
      .resolvesOnce({ Contents: keys(1000, 1000), IsTruncated: true, NextContinuationToken: 't2' })
      .resolvesOnce({ Contents: keys(2000, 5), IsTruncated: false });
    const store = new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b', 'p/');

    const listed = await collect(store.list('ops/', 'ops/2026/11/24/20/'));

    expect(listed).toHaveLength(2005);
    expect(listed[0]).toMatch(/^ops\/2026/);
    const inputs = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(inputs[0]).toMatchObject({ Prefix: 'p/ops/', StartAfter: 'p/ops/2026/11/24/20/' });
    expect(inputs[1]).toMatchObject({ ContinuationToken: 't1' });
    expect(inputs[1]?.StartAfter).toBeUndefined();
    expect(inputs[2]).toMatchObject({ ContinuationToken: 't2' });
  });
});

describe('a failing refresh', () => {
  /** Another container stores one op under the configured prefix, through the mocked client. */
  const anotherContainerWrites = (endpoint: string) =>
    new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b', config.prefix).append(
      [op(endpoint)],
      new Date(),
    );

  it('answers stats from the cached ring, marked stale', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"x"' });
    await stats(getStats());
    await event(postOp({ endpoint: 'a', success: true }));
    s3.on(ListObjectsV2Command).rejects(new Error('connect ECONNREFUSED'));

    const res = await stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(res.headers?.['x-observer-stale']).toBe('true');
    expect(bodyOf(res).total).toBe(1);
  });

  it('answers from the cached ring when a segment cannot be read, logs it, and catches up once', async () => {
    const logs = captureLogs('warn');
    const bucket = new FakeBucket(seededRandom(1), 0);
    bucket.install(s3);
    await stats(getStats());
    await event(postOp({ endpoint: 'mine', success: true }));
    // Another container writes a segment; reading it fails for a while.
    await anotherContainerWrites('theirs');
    s3.on(GetObjectCommand).rejects(new Error('read ECONNRESET'));

    const stale = await stats(getStats());
    bucket.install(s3);
    const caughtUp = await stats(getStats());
    const again = await stats(getStats());

    expect(stale.statusCode).toBe(200);
    expect(stale.headers?.['x-observer-stale']).toBe('true');
    expect(bodyOf(stale).total).toBe(1);
    expect(logs.texts('warn')).toContainEqual(
      expect.stringContaining('refresh failed; answering from the cached ring'),
    );
    expect(caughtUp.headers?.['x-observer-stale']).toBeUndefined();
    expect(bodyOf(caughtUp).total).toBe(2);
    expect(bodyOf(again).total).toBe(2);
  });

  it('answers 503 when a cold start cannot read a segment', async () => {
    captureLogs('error');
    new FakeBucket(seededRandom(1), 0).install(s3);
    await anotherContainerWrites('a');
    s3.on(GetObjectCommand).rejects(new Error('read ECONNRESET'));

    const res = await stats(getStats());

    expect(res.statusCode).toBe(503);
    expect(res.headers?.['retry-after']).toBe('1');
  });

  it('answers 503 when a cold start cannot read the store, and says nothing of recording', async () => {
    s3.on(ListObjectsV2Command).rejects(new Error('connect ECONNREFUSED'));

    const res = await stats(getStats());

    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toStrictEqual({ error: 'storage is unavailable; retry later' });
  });

  it('retries the rebuild on the next call after a failed cold start', async () => {
    s3.on(ListObjectsV2Command)
      .rejectsOnce(new Error('connect ECONNREFUSED'))
      .resolves({
        Contents: [{ Key: `${config.prefix}ops/2026/11/24/21/20261124T210000000Z-a.jsonl` }],
      });
    s3.on(GetObjectCommand).resolves({
      Body: sdkBody(
        '{"endpoint":"a","success":true,"timestamp":"2026-11-24T21:00:00Z","source":"mcp"}\n',
      ),
    } as never);
    expect((await stats(getStats())).statusCode).toBe(503);
    const res = await stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).total).toBe(1);
  });
});
