import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { RingEntry } from '../../lib/domain/entry';
import type { ObservedOp } from '../../lib/domain/op';
import { compactHours } from '../../lib/lake/compaction';
import { DEFAULT_MODEL_PRICES } from '../../lib/platform/prices';
import { Observer } from '../../lib/ring/observer';
import type { Stats } from '../../lib/ring/ring';
import { pricedStats } from '../../lib/runs/usage';
import { writeSnapshot } from '../../lib/stats/writer';
import { gunzipCompacted } from '../../lib/storage/compacted-codec';
import { HOUR_MS, isCompactedKey, isSegmentKey } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { decodeSegment } from '../../lib/storage/segment-codec';
import { type SegmentStore, storeView } from '../../lib/storage/store';
import { freshContainer } from '../support/container';
import { dyingAt } from '../support/dying-store';
import { bodyOf, getStats } from '../support/events';
import { nthOp, nthOps, statsOf } from '../support/ops';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

const CAP = 8;
// Hour-aligned, so every run sees the same hours whatever the minute: the
// two hours that began 4 and 3 hours before the current one (both closed at
// least 2 hours ago), and the current one.
const NOW = Date.now();
const BASE = Math.floor(NOW / HOUR_MS) * HOUR_MS - 4 * HOUR_MS;

const s3Store = (prefix: string) => new S3SegmentStore(s3, inject('s3Bucket'), prefix);

/**
 * Ten ops: three segments in each old hour (the second with two ops) and
 * two in the current hour, plus a checkpoint written half an hour into the
 * first old hour, long before the compaction.
 */
async function seed(prefix: string): Promise<void> {
  const store = s3Store(prefix);
  let i = 0;
  for (const hour of [0, 1]) {
    for (const minute of [10, 20, 40]) {
      const ops = minute === 20 ? [nthOp(i++), nthOp(i++)] : [nthOp(i++)];
      await store.append(ops, new Date(BASE + hour * HOUR_MS + minute * 60_000));
    }
  }
  const early = () => BASE + 30 * 60_000;
  await writeSnapshot(
    new Observer(store, {
      cap: CAP,
      skewMs: 15_000,
      coldStartHours: 168,
      now: early,
    }),
  );
  await store.append([nthOp(i++)], new Date(NOW - 2000));
  await store.append([nthOp(i++)], new Date(NOW - 1000));
}

/** What the ring of a container that saw all ten ops holds: the newest eight. */
const EXPECTED: Stats = statsOf(nthOps(10).slice(-CAP));

/** Compacts the two old hours: whole (one part each), or in parts of at most `partSegments` segments. */
const compact = (store: SegmentStore, partSegments?: number) =>
  compactHours(store, { now: NOW, afterHours: 2, lookbackHours: 2, partSegments });

/** Every op stored under the prefix, by where it was first stored, from both forms. */
async function storedOps(prefix: string): Promise<Map<string, ObservedOp>> {
  const store = s3Store(prefix);
  const found = new Map<string, ObservedOp>();
  for (const key of (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length))) {
    const object = await store.getObject(key);
    if (!object) continue;
    const entries: RingEntry[] = isCompactedKey(key)
      ? compactedEntries(object.body)
      : decodeSegment(Buffer.from(object.body).toString()).ops.map((o, line) => ({
          key,
          line,
          op: o,
        }));
    for (const e of entries) found.set(`${e.key}#${e.line}`, e.op);
  }
  return found;
}

function compactedEntries(body: Uint8Array): RingEntry[] {
  const decoded = gunzipCompacted(body);
  if ('error' in decoded) throw new Error(decoded.error);
  expect(decoded.skipped).toEqual([]);
  return decoded.entries;
}

/** Stats of a cold start by listing (the checkpoint hidden) and of one from the checkpoint. */
async function coldStarts(prefix: string): Promise<{ listing: Stats; checkpoint: Stats }> {
  const store = s3Store(prefix);
  const withoutCheckpoint = storeView(store, { getDocument: async () => undefined });
  const options = { cap: CAP, skewMs: 15_000, coldStartHours: 168 };
  return {
    listing: (await new Observer(withoutCheckpoint, options).stats()).stats,
    checkpoint: (await new Observer(store, options).stats()).stats,
  };
}

describe('compaction on a real S3', () => {
  it('leaves one compacted object per old hour, the same ops, and the same stats', async () => {
    const prefix = uniquePrefix('compact');
    await seed(prefix);
    const opsBefore = await storedOps(prefix);

    const summary = await compact(s3Store(prefix));

    expect(summary).toMatchObject({
      partitions: 2,
      compacted: 2,
      segments_deleted: 6,
      ops_compacted: 8,
    });
    const keys = (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length));
    expect(keys.filter(isCompactedKey)).toHaveLength(2);
    expect(keys.filter((k) => !isCompactedKey(k))).toHaveLength(2);
    expect(await storedOps(prefix)).toEqual(opsBefore);
    expect(opsBefore.size).toBe(10);
    expect(await coldStarts(prefix)).toEqual({ listing: EXPECTED, checkpoint: EXPECTED });
  });

  it('a cold start after compaction costs two GetObjects per compacted hour', async () => {
    const prefix = uniquePrefix('compact-cost');
    await seed(prefix);
    await compact(s3Store(prefix));
    await s3.send(
      new DeleteObjectCommand({ Bucket: inject('s3Bucket'), Key: `${prefix}ring/checkpoint.json` }),
    );

    const c = await freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_RING_CAP: String(CAP) });
    const stats = bodyOf(await c.stats(getStats()));

    expect(stats).toEqual(pricedStats(EXPECTED, DEFAULT_MODEL_PRICES));
    // The checkpoint looked for, then 2 compacted hours, each with its dropped retries
    // looked for, and 2 segments (8 segments before).
    expect(c.requests.GetObjectCommand).toBe(1 + 2 * 2 + 2);
  });

  it.each([
    [undefined, 2, 53],
    [2, 4, 71],
  ])(
    'a clean run (parts of at most %s segments: %i parts) takes %i store calls',
    async (partSegments, parts, calls) => {
      const prefix = uniquePrefix(`compact-steps${partSegments ?? ''}`);
      await seed(prefix);
      const store = dyingAt(Number.POSITIVE_INFINITY, s3Store(prefix));

      await compact(store, partSegments);

      const keys = (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length));
      expect(keys.filter(isCompactedKey)).toHaveLength(parts);
      // Planning: the manifest, then per hour its plan looked for, a listing and the plan
      // written; then the manifest written. Per part: a listing of its range, its object and
      // its dropped copies looked for, its segments read, the part written and read back,
      // the deletes, a listing of the hour's parts. Per seal: the plan, the hour's parts
      // listed, the plan of the hour before (and its last window: a listing; its parts
      // listed, read), each part and its dropped copies read, the hour listed, the manifest;
      // the seal of the hour after the newest, found unplanned; the manifest read at the end.
      expect(store.calls).toBe(calls);
    },
  );

  // Each on its own prefix, so they run side by side.
  for (const [partSegments, calls] of [
    [undefined, 53],
    [2, 71],
  ] as const) {
    it.concurrent.for(Array.from({ length: calls }, (_, i) => i + 1))(
      `dying at step %i (parts of at most ${partSegments ?? 'any number of'} segments) loses nothing, counts each op once, and a re-run finishes the job`,
      async (n, { expect }) => {
        const prefix = uniquePrefix(`compact-die${partSegments ?? ''}-${n}`);
        await seed(prefix);
        const opsBefore = await storedOps(prefix);

        const crashed = await compact(dyingAt(n, s3Store(prefix)), partSegments).catch(
          () => undefined,
        );

        expect(crashed === undefined || crashed.failed.length > 0).toBe(true);
        expect(await storedOps(prefix)).toEqual(opsBefore);
        expect(await coldStarts(prefix)).toEqual({ listing: EXPECTED, checkpoint: EXPECTED });

        const rerun = await compact(s3Store(prefix), partSegments);

        expect(rerun.failed).toEqual([]);
        const keys = (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length));
        expect(keys.filter(isCompactedKey)).toHaveLength(partSegments ? 4 : 2);
        expect(keys.filter((k) => isSegmentKey(k) && !isCompactedKey(k))).toHaveLength(2);
        expect(await storedOps(prefix)).toEqual(opsBefore);
        expect(await coldStarts(prefix)).toEqual({ listing: EXPECTED, checkpoint: EXPECTED });
      },
    );
  }
});
