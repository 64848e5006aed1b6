import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ObservedOp, parseOp } from '../../lib/domain/op';
import { addToHour } from '../../lib/stats/history';
import { decodeHour } from '../../lib/stats/snapshot';
import { ConcurrentWriteError } from '../../lib/storage/errors';
import { segmentKey, statsHourKey } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { encodeSegment } from '../../lib/storage/segment-codec';
import { getText, putText, rawClient, uniquePrefix } from '../support/s3';

// The store's conditional writes on the local S3, which enforces them as S3
// does: what mocks alone showed before.

const s3 = rawClient();
afterAll(() => s3.destroy());

const at = new Date('2026-03-01T10:00:00Z');
function op(endpoint: string): ObservedOp {
  const parsed = parseOp({ endpoint, success: true }, at);
  if (!parsed.ok) throw new Error('bad op');
  return parsed.op;
}

function storeUnder(prefix: string, suffixes: string[] = []): S3SegmentStore {
  let n = 0;
  return new S3SegmentStore(s3, inject('s3Bucket'), prefix, () => suffixes[n++] ?? `s${n}`);
}

describe('conditional writes on the local S3', () => {
  it('never overwrites a segment: a taken key makes the append pick a fresh one', async () => {
    const prefix = uniquePrefix('cond-taken');
    const store = storeUnder(prefix, ['taken', 'fresh']);
    const taken = segmentKey(at, 'taken');
    await putText(s3, prefix + taken, '{"endpoint":"someone else"}\n');

    const key = await store.append([op('mine')], at);

    expect(key).toBe(segmentKey(at, 'fresh'));
    expect(await getText(s3, prefix + taken)).toBe('{"endpoint":"someone else"}\n');
    expect(await getText(s3, prefix + key)).toContain('"endpoint":"mine"');
  });

  it('acknowledges a write whose key already holds its own bytes (an earlier attempt)', async () => {
    const prefix = uniquePrefix('cond-retry');
    const body = encodeSegment([op('once')]);
    const key = segmentKey(at, 'mine');
    await s3.send(
      new PutObjectCommand({
        Bucket: inject('s3Bucket'),
        Key: prefix + key,
        Body: body,
        Metadata: { 'observer-sha256': createHash('sha256').update(body).digest('hex') },
      }),
    );

    expect(await storeUnder(prefix, ['mine']).append([op('once')], at)).toBe(key);
  });

  it('keeps every minute when two snapshot runs add to one hour document at once', async () => {
    const prefix = uniquePrefix('cond-hour');
    const store = storeUnder(prefix);
    const key = statsHourKey(at);
    const minute = (m: number) => ({
      total: m,
      successes: m,
      failures: 0,
      by_source: {},
      recent_scenario_ops: [],
      generated_at: new Date(at.getTime() + m * 60_000).toISOString(),
      window: { from: null, to: null, ops: m },
    });

    await Promise.all([1, 2, 3, 4].map((m) => addToHour(store, key, minute(m))));

    expect(decodeHour(await store.getDocument(key)).map((s) => s.total)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a compacted write over an object that changed since it was read', async () => {
    const prefix = uniquePrefix('cond-compact');
    const store = storeUnder(prefix);
    await store.putObject('ops/hour.jsonl.gz', Buffer.from('v1'), null);
    const read = await store.getObject('ops/hour.jsonl.gz');
    await store.putObject('ops/hour.jsonl.gz', Buffer.from('v2'), read?.etag ?? '');

    await expect(
      store.putObject('ops/hour.jsonl.gz', Buffer.from('v3'), read?.etag ?? ''),
    ).rejects.toBeInstanceOf(ConcurrentWriteError);
    await expect(
      store.putObject('ops/hour.jsonl.gz', Buffer.from('v3'), null),
    ).rejects.toBeInstanceOf(ConcurrentWriteError);
    expect(await getText(s3, `${prefix}ops/hour.jsonl.gz`)).toBe('v2');
  });
});
