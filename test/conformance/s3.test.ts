import { createHash, randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import type { LocalS3 } from '../../dev/local-s3';
import { startMoto } from '../../dev/moto';
import { mapLimit } from '../../lib/platform/concurrency';
import { LOCAL_S3_CREDENTIALS } from '../../lib/platform/limits';
import { S3SegmentStore } from '../../lib/storage/s3-store';

// What the service relies on from its storage, checked against the S3 it
// runs on locally: the embedded server in every `npm test`, and moto's
// (`CONFORMANCE_S3=moto`, as .ci/run does). A selected server that cannot be
// started fails the run; nothing here is ever skipped.

const TARGET = z.enum(['embedded', 'moto']).safeParse(process.env.CONFORMANCE_S3 || 'embedded');
if (!TARGET.success) throw new Error('CONFORMANCE_S3 must be "embedded" or "moto"');

const BUCKET = TARGET.data === 'moto' ? 'observer-conformance' : inject('s3Bucket');
const prefix = `conformance-${randomUUID().slice(0, 8)}/`;
let moto: LocalS3 | undefined;
let s3: S3Client;

beforeAll(async () => {
  if (TARGET.data === 'moto') moto = await startMoto({ bucket: BUCKET });
  s3 = new S3Client({
    endpoint: moto?.endpoint ?? inject('s3Endpoint'),
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: LOCAL_S3_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
});

afterAll(async () => {
  s3?.destroy();
  await moto?.close();
});

/** What one request came to: its ETag, or S3's error code and HTTP status. */
type Outcome = { ok: true; etag: string } | { ok: false; code: string; status: number };

async function put(
  key: string,
  body: string,
  condition: { IfNoneMatch?: string; IfMatch?: string } = {},
): Promise<Outcome> {
  try {
    const res = await s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: prefix + key, Body: body, ...condition }),
    );
    return { ok: true, etag: res.ETag ?? '' };
  } catch (err: unknown) {
    return failure(err);
  }
}

async function get(key: string): Promise<{ body: string; etag: string } | Outcome> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: prefix + key }));
    return { body: (await res.Body?.transformToString('utf-8')) ?? '', etag: res.ETag ?? '' };
  } catch (err: unknown) {
    return failure(err);
  }
}

function failure(err: unknown): Outcome {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode === undefined) throw err;
  return { ok: false, code: String(e.name), status: e.$metadata.httpStatusCode };
}

async function list(under: string, extra: { StartAfter?: string; MaxKeys?: number } = {}) {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: prefix + under,
        ...(token ? { ContinuationToken: token } : extra),
      }),
    );
    pages.push((page.Contents ?? []).map((o) => (o.Key ?? '').slice(prefix.length)));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return pages;
}

const md5 = (text: string) => `"${createHash('md5').update(text).digest('hex')}"`;
const PRECONDITION_FAILED = { ok: false, code: 'PreconditionFailed', status: 412 };
// Real S3 may answer a conditional write that raced another with 409 instead of 412.
const lostRace = (o: Outcome) =>
  !o.ok && ['PreconditionFailed', 'ConditionalRequestConflict'].includes(o.code);

describe(`S3 conformance (${TARGET.data})`, () => {
  describe('put-if-absent (If-None-Match: *)', () => {
    it('writes a key that does not exist', async () => {
      expect(await put('absent/new', 'first', { IfNoneMatch: '*' })).toEqual({
        ok: true,
        etag: md5('first'),
      });
      expect(await get('absent/new')).toEqual({ body: 'first', etag: md5('first') });
    });

    it('answers 412 PreconditionFailed for a key that exists and keeps its object', async () => {
      await put('absent/taken', 'first');

      expect(await put('absent/taken', 'second', { IfNoneMatch: '*' })).toEqual(
        PRECONDITION_FAILED,
      );
      expect(await get('absent/taken')).toMatchObject({ body: 'first' });
    });

    it('lets exactly one of 16 concurrent writers of a new key win, and keeps its bytes', async () => {
      const bodies = Array.from({ length: 16 }, (_, i) => `writer-${i}`);

      const outcomes = await Promise.all(
        bodies.map((b) => put('absent/race', b, { IfNoneMatch: '*' })),
      );

      const winners = bodies.filter((_, i) => outcomes[i]?.ok);
      expect(winners).toHaveLength(1);
      expect(outcomes.filter(lostRace)).toHaveLength(15);
      expect(await get('absent/race')).toMatchObject({ body: winners[0] });
    });
  });

  describe('put-if-match (If-Match: <etag>)', () => {
    it('replaces the object when the ETag is the current one', async () => {
      const first = await put('match/right', 'v1');
      const etag = first.ok ? first.etag : '';

      expect(await put('match/right', 'v2', { IfMatch: etag })).toEqual({
        ok: true,
        etag: md5('v2'),
      });
      expect(await get('match/right')).toEqual({ body: 'v2', etag: md5('v2') });
    });

    it('answers 412 PreconditionFailed for a stale ETag and keeps the object', async () => {
      await put('match/stale', 'v1');
      await put('match/stale', 'v2');

      expect(await put('match/stale', 'v3', { IfMatch: md5('v1') })).toEqual(PRECONDITION_FAILED);
      expect(await get('match/stale')).toMatchObject({ body: 'v2' });
    });

    it('answers 404 NoSuchKey for a key that does not exist and writes nothing', async () => {
      expect(await put('match/missing', 'v1', { IfMatch: md5('v0') })).toEqual({
        ok: false,
        code: 'NoSuchKey',
        status: 404,
      });
      expect(await get('match/missing')).toMatchObject({ code: 'NoSuchKey' });
    });

    it('lets exactly one of 16 concurrent writers holding the same ETag win', async () => {
      const first = await put('match/race', 'v0');
      const etag = first.ok ? first.etag : '';
      const bodies = Array.from({ length: 16 }, (_, i) => `next-${i}`);

      const outcomes = await Promise.all(
        bodies.map((b) => put('match/race', b, { IfMatch: etag })),
      );

      const winners = bodies.filter((_, i) => outcomes[i]?.ok);
      expect(winners).toHaveLength(1);
      expect(outcomes.filter(lostRace)).toHaveLength(15);
      expect(await get('match/race')).toMatchObject({ body: winners[0] });
    });
  });

  describe('reads', () => {
    it('reads an object right after it was written, with the ETag the write returned', async () => {
      const written = await put('read/fresh', 'hello');

      expect(await get('read/fresh')).toEqual({
        body: 'hello',
        etag: written.ok ? written.etag : 'no etag',
      });
    });

    it('reads the new object right after an overwrite', async () => {
      await put('read/over', 'old');
      await put('read/over', 'new, and longer');

      expect(await get('read/over')).toMatchObject({ body: 'new, and longer' });
    });

    it('reads a whole object, with its own ETag, while it is being overwritten', async () => {
      const bodies = Array.from({ length: 20 }, (_, i) => `version ${i} `.repeat(50 + i * 40));
      await put('read/busy', bodies[0] as string);

      const [, reads] = await Promise.all([
        mapLimit(bodies, 4, (b) => put('read/busy', b)),
        mapLimit(bodies, 4, () => get('read/busy')),
      ]);

      for (const read of reads) {
        expect(bodies).toContain((read as { body: string }).body);
        expect((read as { etag: string }).etag).toBe(md5((read as { body: string }).body));
      }
    });

    it('answers 304 to a GET naming the current version in If-None-Match, and the object to one naming an older', async () => {
      const first = await put('read/conditional', 'v1');
      const second = await put('read/conditional', 'v2');
      const read = (etag: string) =>
        s3
          .send(
            new GetObjectCommand({
              Bucket: BUCKET,
              Key: `${prefix}read/conditional`,
              IfNoneMatch: etag,
            }),
          )
          .then(
            async (res) => ({ ok: true, body: await res.Body?.transformToString() }),
            (err: unknown) => failure(err),
          );

      expect(await read(second.ok ? second.etag : '')).toMatchObject({ ok: false, status: 304 });
      expect(await read(first.ok ? first.etag : '')).toEqual({ ok: true, body: 'v2' });
    });

    it('reads a checkpoint only when it changed, through the store the readers use', async () => {
      const store = new S3SegmentStore(s3, BUCKET, prefix);
      await put('ring/checkpoint.json', '{"v":1}');
      const first = await store.getIfChanged('ring/checkpoint.json', undefined);
      const etag = first === undefined || first === 'unchanged' ? '' : first.etag;

      expect(await store.getIfChanged('ring/checkpoint.json', etag)).toBe('unchanged');
      await put('ring/checkpoint.json', '{"v":2}');
      const next = await store.getIfChanged('ring/checkpoint.json', etag);
      expect(next !== undefined && next !== 'unchanged' && Buffer.from(next.body).toString()).toBe(
        '{"v":2}',
      );
      expect(await store.getIfChanged('ring/never-written.json', etag)).toBeUndefined();
    });

    it('answers 404 NoSuchKey for a key that does not exist', async () => {
      expect(await get('read/never-written')).toEqual({
        ok: false,
        code: 'NoSuchKey',
        status: 404,
      });
    });

    it('answers 404 to a HeadObject of a key that does not exist', async () => {
      const head = await s3
        .send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}read/never-written` }))
        .then(
          () => 200,
          (err: unknown) => failure(err),
        );

      expect(head).toMatchObject({ ok: false, status: 404 });
    });
  });

  describe('listings', () => {
    it('lists an object right after it was written', async () => {
      await put('list/a', 'a');
      await put('list/b', 'b');

      expect(await list('list/')).toEqual([['list/a', 'list/b']]);
    });

    it('pages past 1,000 keys in key order, each key once, and starts after a given key', async () => {
      const keys = Array.from({ length: 1_050 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
      await mapLimit(keys, 16, (k) => put(k, k));

      const pages = await list('many/');
      const after = await list('many/', { StartAfter: `${prefix}many/01000` });

      expect(pages.map((p) => p.length)).toEqual([1_000, 50]);
      expect(pages.flat()).toEqual(keys);
      expect(after.flat()).toEqual(keys.slice(1_001));
    });

    it('pages by MaxKeys', async () => {
      for (const k of ['small/1', 'small/2', 'small/3']) await put(k, k);

      const pages = await list('small/', { MaxKeys: 2 });

      expect(pages).toEqual([['small/1', 'small/2'], ['small/3']]);
    });
  });

  describe('deletes', () => {
    it('deletes an object: a read answers NoSuchKey and a listing leaves it out', async () => {
      await put('delete/one', 'x');
      await put('delete/two', 'y');

      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}delete/one` }));

      expect(await get('delete/one')).toMatchObject({ code: 'NoSuchKey' });
      expect(await list('delete/')).toEqual([['delete/two']]);
    });

    it('deletes a key that does not exist without an error', async () => {
      await expect(
        s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}delete/never` })),
      ).resolves.toBeDefined();
    });

    it('deletes many objects in one DeleteObjects request, missing keys included', async () => {
      for (const k of ['batch/1', 'batch/2', 'batch/3']) await put(k, k);

      const res = await s3.send(
        new DeleteObjectsCommand({
          Bucket: BUCKET,
          Delete: {
            Objects: ['batch/1', 'batch/2', 'batch/missing'].map((k) => ({ Key: prefix + k })),
            Quiet: true,
          },
        }),
      );

      expect(res.Errors ?? []).toEqual([]);
      expect(await list('batch/')).toEqual([['batch/3']]);
    });

    it('never fails a listing while the objects it lists are being deleted', async () => {
      const keys = Array.from({ length: 200 }, (_, i) => `vanish/${i % 10}/${i}`);
      await mapLimit(keys, 16, (k) => put(k, k));

      const deleting = mapLimit(keys, 8, (k) =>
        s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: prefix + k })),
      );
      const listings = mapLimit([1, 2, 3, 4, 5, 6, 7, 8], 2, () => list('vanish/'));
      await Promise.all([deleting, listings]);

      expect(await list('vanish/')).toEqual([[]]);
    });
  });
});
