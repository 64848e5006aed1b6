import {
  DeleteObjectsCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { compactRequest } from '../../../lib/lake/compact-request';
import { loadConfig } from '../../../lib/platform/config';
import { gzipCompacted } from '../../../lib/storage/compacted-codec';
import { ConcurrentWriteError, StoreUnavailableError } from '../../../lib/storage/errors';
import { compactedKey, segmentKey } from '../../../lib/storage/keys';
import { S3SegmentStore } from '../../../lib/storage/s3-store';
import { op } from '../../support/ops';
import { s3Error } from '../../support/s3-errors';

const s3 = mockClient(S3Client);
afterEach(() => {
  s3.reset();
});

const store = () => new S3SegmentStore(new S3Client({ region: 'us-east-1' }), 'b', 'p/');
const KEY = compactedKey('ops/2026/11/24/11/');

describe('writing a compacted object', () => {
  it('creates it only where none exists (If-None-Match), as a Buffer body', async () => {
    s3.on(PutObjectCommand).resolves({});

    await store().putObject(KEY, new Uint8Array([1, 2, 3]), null);

    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Bucket: 'b', Key: `p/${KEY}`, IfNoneMatch: '*' });
    expect(input?.IfMatch).toBeUndefined();
    expect(Buffer.isBuffer(input?.Body)).toBe(true);
  });

  it('replaces it only over the version it read (If-Match)', async () => {
    s3.on(PutObjectCommand).resolves({});

    await store().putObject(KEY, new Uint8Array([1]), '"v1"');

    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ IfMatch: '"v1"' });
    expect(input?.IfNoneMatch).toBeUndefined();
  });

  it.each([
    ['PreconditionFailed', 412],
    ['ConditionalRequestConflict', 409],
  ])('turns %s (%i) into a ConcurrentWriteError', async (name, status) => {
    s3.on(PutObjectCommand).rejects(s3Error(name, status));

    await expect(store().putObject(KEY, new Uint8Array([1]), null)).rejects.toBeInstanceOf(
      ConcurrentWriteError,
    );
  });

  it('turns any other failure into StoreUnavailableError', async () => {
    s3.on(PutObjectCommand).rejects(new Error('socket hang up'));

    await expect(store().putObject(KEY, new Uint8Array([1]), null)).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
  });
});

describe('deleting segments', () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `ops/k${i}.jsonl`);

  it('sends batches of at most 1000 keys under the prefix', async () => {
    s3.on(DeleteObjectsCommand).resolves({});

    await store().deleteObjects(keys(2500));

    const batches = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete);
    expect(batches.map((b) => b?.Objects?.length)).toEqual([1000, 1000, 500]);
    expect(batches[0]?.Objects?.[0]?.Key).toBe('p/ops/k0.jsonl');
  });

  it('fails when S3 answers 200 but names keys it could not delete', async () => {
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'p/ops/k1.jsonl', Code: 'AccessDenied', Message: 'denied' }],
    });

    await expect(store().deleteObjects(keys(3))).rejects.toThrow(
      /1 of 3 deletes failed.*AccessDenied/,
    );
  });

  it('sends nothing for no keys', async () => {
    await store().deleteObjects([]);

    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });
});

describe('reading a compacted object', () => {
  it('gunzips it and returns each op at its original key and line', async () => {
    const origin = segmentKey(new Date('2026-11-24T11:10:00Z'), 'abc');
    const stored = op('x', { timestamp: '2026-11-24T11:10:00Z' });
    const body = gzipCompacted([{ key: origin, line: 3, op: stored }]);
    s3.on(GetObjectCommand).resolves({
      ETag: '"e"',
      Body: { transformToByteArray: async () => new Uint8Array(body) },
    } as never);

    const entries = await store().read(KEY);

    expect(entries).toEqual([{ key: origin, line: 3, op: stored }]);
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input.Key).toBe(`p/${KEY}`);
  });
});

describe('compaction settings', () => {
  it('default to an hour as soon as it closed, looking 48 hours back, with no queue', () => {
    const config = loadConfig({ OBSERVER_BUCKET: 'bucket' });

    expect(config).toMatchObject({ compactAfterHours: 0, compactLookbackHours: 48 });
    expect(config.compactQueueUrl).toBeUndefined();
  });

  it('take the queue the units go to', () => {
    const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/observer-prod-CompactQueue';

    expect(
      loadConfig({ OBSERVER_BUCKET: 'bucket', OBSERVER_COMPACT_QUEUE_URL: url }),
    ).toMatchObject({
      compactQueueUrl: url,
    });
  });

  it.each([
    ['OBSERVER_COMPACT_AFTER_HOURS', '-1'],
    ['OBSERVER_COMPACT_QUEUE_URL', 'CompactQueue'],
    ['OBSERVER_COMPACT_LOOKBACK_HOURS', 'x'],
  ])('refuse %s=%j, naming it', (name, value) => {
    expect(() => loadConfig({ OBSERVER_BUCKET: 'bucket', [name]: value })).toThrow(name);
  });

  it('take the overrides of a hand-run invocation and ignore a scheduled event', () => {
    const scheduled = { version: '0', 'detail-type': 'Scheduled Event', detail: {} };

    expect(compactRequest(scheduled)).toEqual({});
    expect(compactRequest(undefined)).toEqual({});
    expect(compactRequest({ lookbackHours: 720 })).toEqual({ lookbackHours: 720 });
  });

  it('refuse a bad override, naming it', () => {
    expect(() => compactRequest({ afterHours: -1 })).toThrow(/afterHours/);
    expect(() => compactRequest({ lookbackHours: '12' })).toThrow(/lookbackHours/);
  });
});
