import { describe, expect, it } from 'vitest';
import {
  correctionsFrom,
  INBOX_SOURCE,
  inboxOpId,
  MAX_INBOX_BYTES,
  segmentsOf,
} from '../../../lib/ingest/inbox';
import { droppedFiles } from '../../../lib/ingest/inbox-event';
import { ingestInboxFile } from '../../../lib/ingest/inbox-file';
import { inboxDoneKey, inboxFile, inboxReportKey } from '../../../lib/storage/keys';
import { MemorySegmentStore } from '../../support/memory-store';
import { objectCreated } from '../../support/s3-events';

const AT = new Date('2026-11-24T21:15:03.123Z');
const jsonl = (...values: unknown[]) => values.map((v) => JSON.stringify(v)).join('\n');

describe('correctionsFrom', () => {
  it('defaults the source to overseer_correction and the id to one of file, version and line', () => {
    const { ops, invalid } = correctionsFrom(
      jsonl({ endpoint: 'a' }, { endpoint: 'b', source: null, id: null }),
      'f.jsonl',
      'v1',
      AT,
    );

    expect(invalid).toEqual([]);
    expect(ops.map((o) => [o.source, o.id, o.timestamp])).toEqual([
      [INBOX_SOURCE, inboxOpId('f.jsonl', 'v1', 1), AT.toISOString()],
      [INBOX_SOURCE, inboxOpId('f.jsonl', 'v1', 2), AT.toISOString()],
    ]);
  });

  it('gives the same ids to the same file and version, and new ones to a new version', () => {
    expect(inboxOpId('f.jsonl', 'v1', 3)).toBe(inboxOpId('f.jsonl', 'v1', 3));
    expect(inboxOpId('f.jsonl', 'v2', 3)).not.toBe(inboxOpId('f.jsonl', 'v1', 3));
    expect(inboxOpId('g.jsonl', 'v1', 3)).not.toBe(inboxOpId('f.jsonl', 'v1', 3));
    expect(inboxOpId('f.jsonl', 'v1', 4)).not.toBe(inboxOpId('f.jsonl', 'v1', 3));
  });

  it('keeps unknown fields, __proto__ included, as own data', () => {
    const { ops } = correctionsFrom('{"endpoint":"a","__proto__":{"polluted":true}}', 'f', 'v', AT);

    expect(Object.hasOwn(ops[0] as object, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an op over 64 KiB, naming the size', () => {
    const { invalid } = correctionsFrom(
      jsonl({ endpoint: 'a', blob: 'x'.repeat(70_000) }),
      'f',
      'v',
      AT,
    );

    expect(invalid).toEqual([
      {
        line: 1,
        reason: expect.stringMatching(/^op is \d+ bytes serialized; the limit is 65536$/),
      },
    ]);
  });

  it('splits into segments of at most 500', () => {
    expect(segmentsOf(Array(1001).fill(0)).map((s) => s.length)).toEqual([500, 500, 1]);
    expect(segmentsOf([])).toEqual([]);
  });
});

describe('the inbox keys', () => {
  it.each([
    ['inbox/a.jsonl', 'a.jsonl'],
    ['inbox/run 1/a.jsonl', 'run 1/a.jsonl'],
    ['inbox/done/a.jsonl', undefined],
    ['inbox/reports/a.jsonl.json', undefined],
    ['inbox/', undefined],
    ['ops/inbox/a.jsonl', undefined],
  ])('reads %s as the dropped file %s', (key, file) => {
    expect(inboxFile(key)).toBe(file);
  });

  it('puts the done copy and the report beside the file', () => {
    expect(inboxDoneKey('run 1/a.jsonl')).toBe('inbox/done/run 1/a.jsonl');
    expect(inboxReportKey('run 1/a.jsonl')).toBe('inbox/reports/run 1/a.jsonl.json');
  });
});

describe('droppedFiles', () => {
  it('decodes the keys S3 URL-encodes, under the prefix, with their size', () => {
    const event = objectCreated('b', [
      { key: 'team-a/inbox/run 1/é+x.jsonl', size: 12 },
      { key: 'team-b/inbox/a.jsonl', size: 1 },
    ]);

    expect(droppedFiles(event, 'b', 'team-a/')).toEqual([{ file: 'run 1/é+x.jsonl', size: 12 }]);
  });

  it('skips records of another bucket', () => {
    expect(
      droppedFiles(objectCreated('other', [{ key: 'inbox/a.jsonl', size: 1 }]), 'b', ''),
    ).toEqual([]);
  });
});

describe('ingestInboxFile', () => {
  it('ingests a new upload under an ingested name anew, replacing the done copy', async () => {
    const store = new MemorySegmentStore();
    store.putRaw('inbox/f.jsonl', jsonl({ endpoint: 'a' }));
    await ingestInboxFile(store, 'f.jsonl');
    store.putRaw('inbox/f.jsonl', jsonl({ endpoint: 'b' }, { endpoint: 'c' }));

    const outcome = await ingestInboxFile(store, 'f.jsonl');

    expect(outcome).toEqual({
      file: 'f.jsonl',
      status: 'ingested',
      recorded: 2,
      invalid: 0,
      segments: 1,
    });
    expect(Buffer.from(store.objects.get(inboxDoneKey('f.jsonl')) as Uint8Array).toString()).toBe(
      jsonl({ endpoint: 'b' }, { endpoint: 'c' }),
    );
    expect(store.objects.has('inbox/f.jsonl')).toBe(false);
    expect(store.calls.append).toBe(2);
  });

  it('reports a file over the limit and leaves it where it is', async () => {
    const store = new MemorySegmentStore();
    store.putRaw('inbox/huge.jsonl', jsonl({ endpoint: 'a' }));

    const outcome = await ingestInboxFile(store, 'huge.jsonl', { size: MAX_INBOX_BYTES + 1 });

    expect(outcome).toEqual({
      file: 'huge.jsonl',
      status: 'too-large',
      bytes: MAX_INBOX_BYTES + 1,
    });
    const report = JSON.parse(String(store.objects.get(inboxReportKey('huge.jsonl'))));
    expect(report.error).toMatch(/^the file is 67108865 bytes; the limit is 67108864/);
    expect(store.objects.has('inbox/huge.jsonl')).toBe(true);
    expect(store.calls.append).toBe(0);
  });

  it('reads a file with a byte-order mark', async () => {
    const store = new MemorySegmentStore();
    store.putRaw('inbox/bom.jsonl', `\uFEFF${jsonl({ endpoint: 'a' })}`);

    expect(await ingestInboxFile(store, 'bom.jsonl')).toMatchObject({ recorded: 1, invalid: 0 });
  });
});
