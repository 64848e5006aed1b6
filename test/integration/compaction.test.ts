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

const compact = (store: SegmentStore) =>
  compactHours(store, { now: NOW, afterHours: 2, lookbackHours: 2 });

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

/**
 * The real store, dying at its n-th call: that call and every later one
 * throw, as if the process stopped there. A delete it dies in removes the
 * first half of its keys first (a batch cut short).
 */
function dyingAt(n: number, store: S3SegmentStore): SegmentStore & { calls: number } {
  let calls = 0;
  const step = async <T>(run: () => Promise<T>, partial?: () => Promise<void>): Promise<T> => {
    calls++;
    if (calls >= n) {
      if (calls === n) await partial?.();
      throw new Error(`died at step ${calls}`);
    }
    return run();
  };
  const view = storeView(store, {
    list: async function* (prefix, startAfter) {
      yield await step(async () => {
        const pages: string[] = [];
        for await (const page of store.list(prefix, startAfter)) pages.push(...page);
        return pages;
      });
    },
    getObject: (key) => step(() => store.getObject(key)),
    read: (key) => step(() => store.read(key)),
    getDocument: (key) => step(() => store.getDocument(key)),
    putObject: (key, body, ifMatch) => step(() => store.putObject(key, body, ifMatch)),
    deleteObjects: (keys) =>
      step(
        () => store.deleteObjects(keys),
        () => store.deleteObjects(keys.slice(0, Math.ceil(keys.length / 2))),
      ),
  });
  return Object.defineProperty(view, 'calls', { get: () => calls }) as SegmentStore & {
    calls: number;
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

  it('a clean run of this history takes 25 store calls', async () => {
    const prefix = uniquePrefix('compact-steps');
    await seed(prefix);
    const store = dyingAt(Number.POSITIVE_INFINITY, s3Store(prefix));

    await compact(store);

    // Per hour: list, the hour's dropped retries looked for, 3 segment reads, the copies of
    // the hour before (a list, a read of each segment in it: 3 for the newer hour, none for
    // the older; its compacted object and its dropped retries looked for), write, read back,
    // delete.
    expect(store.calls).toBe(25);
  });

  // Each on its own prefix, so they run side by side.
  it.concurrent.for(Array.from({ length: 25 }, (_, i) => i + 1))(
    'dying at step %i loses nothing, counts each op once, and a re-run finishes the job',
    async (n, { expect }) => {
      const prefix = uniquePrefix(`compact-die${n}`);
      await seed(prefix);
      const opsBefore = await storedOps(prefix);

      const crashed = await compact(dyingAt(n, s3Store(prefix)));

      expect(crashed.failed.length).toBeGreaterThan(0);
      expect(await storedOps(prefix)).toEqual(opsBefore);
      expect(await coldStarts(prefix)).toEqual({ listing: EXPECTED, checkpoint: EXPECTED });

      const rerun = await compact(s3Store(prefix));

      expect(rerun.failed).toEqual([]);
      const keys = (await listKeys(s3, `${prefix}ops/`)).map((k) => k.slice(prefix.length));
      expect(keys.filter(isCompactedKey)).toHaveLength(2);
      expect(keys.filter((k) => isSegmentKey(k) && !isCompactedKey(k))).toHaveLength(2);
      expect(await storedOps(prefix)).toEqual(opsBefore);
      expect(await coldStarts(prefix)).toEqual({ listing: EXPECTED, checkpoint: EXPECTED });
    },
  );
});
