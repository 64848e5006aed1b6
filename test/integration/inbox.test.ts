import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { Observer } from '../../lib/ring/observer';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { getText, listKeys, putText, rawClient, uniquePrefix } from '../support/s3';
import { objectCreated } from '../support/s3-events';

// The corrections inbox over the real local S3: files dropped under inbox/,
// the S3 event Lambda would receive, and what ends up stored.

const s3: S3Client = rawClient();
const bucket = inject('s3Bucket');

afterAll(() => s3.destroy());

type InboxHandler = typeof import('../../handlers/inbox').handler;

/** A new container of the inbox function, configured for `prefix`. */
async function inboxFunction(prefix: string): Promise<InboxHandler> {
  vi.resetModules();
  const saved = process.env.OBSERVER_PREFIX;
  process.env.OBSERVER_PREFIX = prefix;
  try {
    return (await import('../../handlers/inbox')).handler;
  } finally {
    process.env.OBSERVER_PREFIX = saved;
  }
}

/** Drops a file under the prefix's inbox/ and answers the event S3 would send for it. */
async function drop(prefix: string, file: string, text: string) {
  const key = `${prefix}inbox/${file}`;
  await putText(s3, key, text);
  return objectCreated(bucket, [{ key, size: Buffer.byteLength(text) }]);
}

const lines = (...values: unknown[]) =>
  `${values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n')}\n`;

/** Every op stored under the prefix's ops/, by reading each segment back. */
async function storedOps(prefix: string) {
  const store = new S3SegmentStore(s3, bucket, prefix);
  const keys = (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length));
  const segments = await Promise.all(keys.map(async (k) => (await store.read(k)) ?? []));
  return { keys, ops: segments.flat().map((e) => e.op) };
}

/** The stats a fresh container answers for the prefix (ids de-duplicated as on every read). */
async function statsOf(prefix: string) {
  const observer = new Observer(new S3SegmentStore(s3, bucket, prefix), {
    cap: 20_000,
    skewMs: 15_000,
    coldStartHours: 1,
  });
  return (await observer.stats()).stats;
}

describe('the corrections inbox', () => {
  it('turns each line of a clean file into an op, reports it and moves the file to done/', async () => {
    const prefix = uniquePrefix('inbox-clean');
    const inbox = await inboxFunction(prefix);
    const file = 'run 17/corrections é.jsonl';
    const text = lines(
      { endpoint: 'tools/call', success: true, staffer_id: 'w-17', output_summary: 'fixed' },
      { endpoint: 'tools/list', source: 'scenario', timestamp: '2026-11-24T21:15:03Z' },
      { endpoint: 'fill', id: 'client-id-1' },
    );

    const result = await inbox(await drop(prefix, file, text));

    expect(result.files).toEqual([
      { file, status: 'ingested', recorded: 3, invalid: 0, segments: 1 },
    ]);
    const { keys, ops } = await storedOps(prefix);
    expect(keys).toHaveLength(1);
    expect(ops.map((o) => [o.endpoint, o.source])).toEqual([
      ['tools/call', 'overseer_correction'],
      ['tools/list', 'scenario'],
      ['fill', 'overseer_correction'],
    ]);
    expect(ops[0]?.id).toMatch(/^inbox-[0-9a-f]{40}$/);
    expect(ops[2]?.id).toBe('client-id-1');
    expect(await listKeys(s3, `${prefix}inbox/`)).toEqual(
      [`${prefix}inbox/done/${file}`, `${prefix}inbox/reports/${file}.json`].sort(),
    );
    expect(await getText(s3, `${prefix}inbox/done/${file}`)).toBe(text);
    const report = JSON.parse(await getText(s3, `${prefix}inbox/reports/${file}.json`));
    expect(report).toMatchObject({
      lines: 3,
      recorded: 3,
      invalid_count: 0,
      invalid: [],
      segments: keys,
    });
  });

  it('records the valid lines of a file with bad ones, and the report lists the bad ones', async () => {
    const prefix = uniquePrefix('inbox-bad');
    const inbox = await inboxFunction(prefix);
    const text = lines(
      { endpoint: 'tools/call', success: false, error: 'wrong tool' },
      '{"endpoint": "tools/call",',
      '',
      { endpoint: '' },
      [1, 2],
      { endpoint: 'tools/list', success: 'yes', source: 'Overseer' },
      { endpoint: 'tools/list' },
    );

    const result = await inbox(await drop(prefix, 'mixed.jsonl', text));

    expect(result.files).toEqual([
      { file: 'mixed.jsonl', status: 'ingested', recorded: 2, invalid: 4, segments: 1 },
    ]);
    const report = JSON.parse(await getText(s3, `${prefix}inbox/reports/mixed.jsonl.json`));
    expect(report).toMatchObject({ lines: 6, recorded: 2, invalid_count: 4 });
    expect(report.invalid).toEqual([
      { line: 2, reason: 'not valid JSON' },
      { line: 4, reason: 'invalid op: endpoint: must not be empty' },
      { line: 5, reason: 'must be a JSON object (one op per line)' },
      {
        line: 6,
        reason:
          'invalid op: success: must be a boolean; source: must be a lowercase identifier matching [a-z][a-z0-9_.-]{0,63}',
      },
    ]);
    expect((await storedOps(prefix)).ops.map((o) => o.endpoint)).toEqual([
      'tools/call',
      'tools/list',
    ]);
  });

  it('records nothing twice when the event is delivered again, or the same file dropped again', async () => {
    const prefix = uniquePrefix('inbox-again');
    const inbox = await inboxFunction(prefix);
    const text = lines(
      ...Array.from({ length: 7 }, (_, i) => ({ endpoint: `e${i}`, success: i % 2 === 0 })),
    );
    const event = await drop(prefix, 'again.jsonl', text);
    await inbox(event);
    const first = await storedOps(prefix);
    const stats = await statsOf(prefix);

    const redelivered = await inbox(event);
    await putText(s3, `${prefix}inbox/again.jsonl`, text);
    const droppedAgain = await inbox(event);

    expect(redelivered.files).toEqual([{ file: 'again.jsonl', status: 'already-ingested' }]);
    expect(droppedAgain.files).toEqual([{ file: 'again.jsonl', status: 'already-ingested' }]);
    expect((await storedOps(prefix)).keys).toEqual(first.keys);
    expect(await listKeys(s3, `${prefix}inbox/again.jsonl`)).toEqual([]);
    expect(await statsOf(prefix)).toEqual(stats);
    expect(stats).toMatchObject({ total: 7, successes: 4, by_source: { overseer_correction: 7 } });
  });

  it('counts each line once when a run died after writing segments but before its report', async () => {
    const prefix = uniquePrefix('inbox-crash');
    const inbox = await inboxFunction(prefix);
    const text = lines({ endpoint: 'a', success: true }, { endpoint: 'b' }, { endpoint: 'c' });
    const event = await drop(prefix, 'crash.jsonl', text);
    await inbox(event);
    const stats = await statsOf(prefix);
    // As if that run had stopped before the report and the move: the file is back, no report.
    await putText(s3, `${prefix}inbox/crash.jsonl`, text);
    await s3.send(
      new DeleteObjectCommand({ Bucket: bucket, Key: `${prefix}inbox/reports/crash.jsonl.json` }),
    );

    const rerun = await inbox(event);

    expect(rerun.files).toEqual([
      { file: 'crash.jsonl', status: 'ingested', recorded: 3, invalid: 0, segments: 1 },
    ]);
    const { keys, ops } = await storedOps(prefix);
    expect(keys).toHaveLength(2);
    expect(new Set(ops.map((o) => o.id)).size).toBe(3);
    expect(await statsOf(prefix)).toEqual(stats);
    expect(stats.total).toBe(3);
  });

  it('writes a 10,000-line file as 20 segments of 500 ops, every line once', async () => {
    const prefix = uniquePrefix('inbox-big');
    const inbox = await inboxFunction(prefix);
    const text = lines(
      ...Array.from({ length: 10_000 }, (_, i) => ({
        endpoint: `tools/e${i % 37}`,
        success: i % 3 !== 0,
        staffer_id: `w-${i % 11}`,
        input_summary: `correction ${i}`,
      })),
    );

    const result = await inbox(await drop(prefix, 'big.jsonl', text));

    expect(result.files).toEqual([
      { file: 'big.jsonl', status: 'ingested', recorded: 10_000, invalid: 0, segments: 20 },
    ]);
    const store = new S3SegmentStore(s3, bucket, prefix);
    const { keys } = await storedOps(prefix);
    expect(keys).toHaveLength(20);
    const sizes = await Promise.all(keys.map(async (k) => (await store.read(k))?.length));
    expect(sizes).toEqual(Array(20).fill(500));
    const { ops } = await storedOps(prefix);
    expect(ops.map((o) => o.input_summary)).toEqual(
      Array.from({ length: 10_000 }, (_, i) => `correction ${i}`),
    );
    const ids = new Set(ops.map((o) => o.id));
    expect(ids.size).toBe(10_000);
    expect([...ids].every((id) => /^inbox-[0-9a-f]{40}$/.test(String(id)))).toBe(true);
  });

  it('skips what is not a new file in its inbox: done copies, reports, other prefixes, deletions', async () => {
    const prefix = uniquePrefix('inbox-skip');
    const inbox = await inboxFunction(prefix);
    const done = `${prefix}inbox/done/x.jsonl`;
    await putText(s3, done, lines({ endpoint: 'a' }));

    const result = await inbox(
      objectCreated(bucket, [
        { key: done, size: 16 },
        { key: `${prefix}inbox/reports/x.jsonl.json`, size: 10 },
        { key: `elsewhere/inbox/x.jsonl`, size: 10 },
        { key: `${prefix}ops/x.jsonl`, size: 10 },
      ]),
    );
    const removed = await inbox(
      objectCreated(bucket, [{ key: `${prefix}inbox/y.jsonl`, size: 1 }], 'ObjectRemoved:Delete'),
    );

    expect(result.files).toEqual([]);
    expect(removed.files).toEqual([]);
    expect(await listKeys(s3, prefix)).toEqual([done]);
  });

  it('answers missing for a file that is gone without a report, and refuses a body that is no S3 event', async () => {
    const prefix = uniquePrefix('inbox-missing');
    const inbox = await inboxFunction(prefix);

    const result = await inbox(
      objectCreated(bucket, [{ key: `${prefix}inbox/gone.jsonl`, size: 5 }]),
    );

    expect(result.files).toEqual([{ file: 'gone.jsonl', status: 'missing' }]);
    await expect(inbox({ detail: {} })).rejects.toThrow(/not an S3 event notification/);
  });
});
