import { afterAll, describe, expect, inject, it } from 'vitest';
import { type ObservedOp, parseOp } from '../../lib/op';
import { idMarkerKey, S3SegmentStore } from '../../lib/s3-segment-store';
import { ConcurrentWriteError } from '../../lib/segment-store';
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
    const taken = store.nextKey(at);
    await putText(s3, prefix + taken, '{"endpoint":"someone else"}\n');

    const key = await store.append([op('mine')], at, taken);

    expect(key).not.toBe(taken);
    expect(await getText(s3, prefix + taken)).toBe('{"endpoint":"someone else"}\n');
    expect(await getText(s3, prefix + key)).toContain('"endpoint":"mine"');
  });

  it('acknowledges a retried append whose first write landed, under the same key', async () => {
    const prefix = uniquePrefix('cond-retry');
    const store = storeUnder(prefix);
    const key = await store.append([op('once')], at);

    expect(await store.append([op('once')], at, key)).toBe(key);
  });

  it('claims an id once: a second claim while its segment exists is a duplicate', async () => {
    const prefix = uniquePrefix('cond-claim');
    const store = storeUnder(prefix);
    const key = await store.append([op('with id')], at);

    expect(await store.claimId('op-1', key)).toBe(true);
    expect(await store.claimId('op-1', store.nextKey(at))).toBe(false);
    expect(JSON.parse(await getText(s3, prefix + idMarkerKey('op-1')))).toEqual({
      id: 'op-1',
      key,
    });
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
