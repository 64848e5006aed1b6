import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ObservedOp } from '../../lib/domain/op';
import type { IssueBook } from '../../lib/issues/book';
import { IssueFolder } from '../../lib/issues/fold';
import { compactHours } from '../../lib/lake/compaction';
import { rowObjects, withBucketLake } from '../../lib/lake/local-sql';
import { collect } from '../../lib/platform/concurrency';
import { HOUR_MS, ISSUES_STATE_KEY, isCompactedKey, OPS_ROOT } from '../../lib/storage/keys';
import { S3Objects } from '../../lib/storage/s3-objects';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { op } from '../support/ops';
import { rawClient, uniquePrefix } from '../support/s3';

// The issues' counts over all history against a recount of the failed ops
// in the bucket with the lake's SQL (DuckDB over the objects, as Athena
// reads them), before and after compaction.

const s3 = rawClient();
afterAll(() => s3.destroy());

const SEC = 1_000;
const MIN = 60 * SEC;
const ERRORS = [
  (i: number) => ['tools/call/search', `timeout after ${100 + i} ms`],
  (i: number) => ['tools/call/fetch', `HTTP 429 Too Many Requests from api-${i % 3}.example.com`],
  (i: number) => ['tools/call/write', `disk full on /dev/sd${'abc'[i % 3]}1`],
  (i: number) => ['tools/call/run', `exit code ${i % 4} from pytest`],
  () => ['tools/call/plan', ''],
];

/**
 * Six hours of ops, a few a minute: a third of them failed, every op with an
 * id sent twice 4 s apart (a client's retry: stored twice, counted once),
 * some of those retries landing in the next hour.
 */
async function seed(store: S3SegmentStore, now: number): Promise<number> {
  let failed = 0;
  const start = Math.floor((now - 6 * HOUR_MS) / HOUR_MS) * HOUR_MS;
  for (let i = 0; i < 6 * 30; i++) {
    const at = start + i * 2 * MIN - (i % 30 === 29 ? 50 * SEC : 0);
    const fails = i % 3 === 0;
    const [endpoint, error] = (ERRORS[i % ERRORS.length] as (n: number) => string[])(i) as [
      string,
      string,
    ];
    const fields: Partial<ObservedOp> = fails
      ? { success: false, ...(error === '' ? {} : { error }) }
      : { success: true };
    const withId = i % 2 === 0;
    const o = op(endpoint, { ...fields, ...(withId ? { id: `op-${i}` } : {}) });
    await store.append([o], new Date(at));
    if (withId) await store.append([o], new Date(at + 4 * SEC));
    if (fails) failed++;
  }
  return failed;
}

/** Folds until caught up; the book. */
async function folded(store: S3SegmentStore): Promise<IssueBook> {
  const folder = new IssueFolder(store, {
    skewMs: 15 * SEC,
    thresholds: { minCount: 10, windowMinutes: 15, growth: 3 },
  });
  while ((await folder.fold()).behind);
  return folder.current();
}

/** Each issue's count over all history, merged issues aside. */
function counts(book: IssueBook): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of book.issues.values()) if (!r.mergedInto) out[r.id] = r.tally.count;
  return out;
}

/** The failed copies the lake holds, retries included (a compacted hour holds none). */
async function failedCopies(prefix: string): Promise<number> {
  return withBucketLake(new S3Objects(s3, inject('s3Bucket'), prefix), async (lake) =>
    Number((await lake.run('SELECT count(*) FROM ops WHERE success = false')).rows[0]?.[0]),
  );
}

/**
 * The failed ops of the bucket counted with SQL, each op id once (every id
 * here is one op: its copies lie seconds apart), by endpoint and error,
 * then into the issue the book's grouping puts that error in.
 */
async function recount(prefix: string, book: IssueBook): Promise<Record<string, number>> {
  const rows = await withBucketLake(new S3Objects(s3, inject('s3Bucket'), prefix), async (lake) =>
    rowObjects(
      await lake.run(`
        SELECT endpoint, error, count(*) FILTER (WHERE id IS NULL) + count(DISTINCT id) AS n
        FROM ops WHERE success = false GROUP BY endpoint, error`),
    ),
  );
  const out: Record<string, number> = {};
  for (const { endpoint, error, n } of rows) {
    const matched = book.grouper.match(
      String(endpoint),
      error === null ? undefined : String(error),
    );
    const id = book.resolve(matched ?? `unmatched: ${endpoint} ${error}`);
    out[id] = (out[id] ?? 0) + Number(n);
  }
  return out;
}

describe('issue counts against the lake', () => {
  it('equal a recount of the failed ops with the local SQL, before and after compaction', async () => {
    const prefix = uniquePrefix('issues-lake');
    const store = new S3SegmentStore(s3, inject('s3Bucket'), prefix);
    const now = Date.now();
    const failed = await seed(store, now);

    const before = await folded(store);
    const recountBefore = await recount(prefix, before);
    const copiesBefore = await failedCopies(prefix);
    const summary = await compactHours(store, { now, afterHours: 1, lookbackHours: 8 });
    const recountAfter = await recount(prefix, before);
    const copiesAfter = await failedCopies(prefix);
    await store.deleteObjects([ISSUES_STATE_KEY]);
    const refolded = await folded(store);
    const keys = await collect(store.list(OPS_ROOT));

    expect(Object.values(counts(before)).reduce((a, b) => a + b, 0)).toBe(failed);
    expect(counts(before)).toEqual(recountBefore);
    // 30 failed ops were sent twice: the bucket holds their retries until compaction drops them.
    expect(copiesBefore).toBe(failed + 30);
    expect(copiesAfter).toBeLessThan(copiesBefore);
    expect(summary.compacted).toBeGreaterThanOrEqual(4);
    expect(keys.filter(isCompactedKey).length).toBe(summary.compacted);
    expect(recountAfter).toEqual(recountBefore);
    expect(counts(refolded)).toEqual(recountAfter);
    expect(Object.keys(recountBefore)).toHaveLength(5);
  });
});
