import { describe, expect, it } from 'vitest';
import type { ObservedOp } from '../../../lib/domain/op';
import { IssueFolder } from '../../../lib/issues/fold';
import { compactPartition } from '../../../lib/lake/compaction';
import { Observer } from '../../../lib/ring/observer';
import { takeSnapshot } from '../../../lib/stats/writer';
import { hourPartition } from '../../../lib/storage/keys';
import { reusingSegmentReads } from '../../../lib/storage/segment-reuse';
import type { SegmentStore } from '../../../lib/storage/store';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// The snapshot function's store: the segments its ring's refresh read,
// kept for its issue fold, which reads the same ones next.

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const SEC = 1_000;
const MIN = 60 * SEC;

const failed = (error: string): ObservedOp => op('tools/call', { success: false, error });

async function segments(store: MemorySegmentStore, sizes: number[], from = T0): Promise<string[]> {
  const keys: string[] = [];
  for (const [i, size] of sizes.entries()) {
    const ops = Array.from({ length: size }, (_, j) => failed(`step ${i} failed with ${j}`));
    keys.push(await store.append(ops, new Date(from + i * SEC)));
  }
  return keys;
}

describe('reusingSegmentReads', () => {
  it('hands a segment read once to the next read of it, then reads it from the store again', async () => {
    const bucket = new MemorySegmentStore();
    const [key = ''] = await segments(bucket, [3]);
    const store = reusingSegmentReads(bucket);

    const first = await store.read(key);
    const second = await store.read(key);
    expect(bucket.calls.read).toBe(1);
    const third = await store.read(key);

    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(first).toHaveLength(3);
    expect(bucket.calls.read).toBe(2);
  });

  it('keeps at most its number of ops, giving up the segment read first', async () => {
    const bucket = new MemorySegmentStore();
    const [a = '', b = '', c = ''] = await segments(bucket, [2, 2, 5]);
    const store = reusingSegmentReads(bucket, 4);

    await store.read(a);
    await store.read(b);
    await store.read(c); // more than it keeps: not kept, and a and b stay
    await store.read(b);
    await store.read(a);
    expect(bucket.calls.read).toBe(3);
    await store.read(c);
    expect(bucket.calls.read).toBe(4);

    const d = (await segments(bucket, [3], T0 + MIN))[0] ?? '';
    await store.read(a);
    await store.read(d); // 2 + 3 > 4: a is given up
    await store.read(a);
    expect(bucket.calls.read).toBe(7);
  });

  it('reads a compacted hour from the store each time, and keeps nothing for a segment that is gone', async () => {
    const bucket = new MemorySegmentStore();
    const [key = ''] = await segments(bucket, [2, 2]);
    await compactPartition(bucket, hourPartition(new Date(T0)));
    const [compacted = ''] = [...bucket.objects.keys()].filter((k) => k.endsWith('.gz'));
    const store = reusingSegmentReads(bucket);

    expect(await store.read(key)).toBeUndefined();
    expect(await store.read(key)).toBeUndefined();
    expect(await store.read(compacted)).toHaveLength(4);
    expect(await store.read(compacted)).toHaveLength(4);
    expect(bucket.calls.read).toBe(4);
  });
});

describe("the snapshot function's ring and issue fold", () => {
  /** One snapshot over `store` (ring and fold), with the issue counts it folded. */
  async function snapshotOver(store: SegmentStore, now: number) {
    const clock = () => now;
    const observer = new Observer(store, {
      cap: 100,
      skewMs: 15 * SEC,
      coldStartHours: 1,
      now: clock,
    });
    const folder = new IssueFolder(store, {
      skewMs: 15 * SEC,
      thresholds: { minCount: 10, windowMinutes: 15, growth: 3 },
      now: clock,
    });
    const taken = await takeSnapshot(observer, folder);
    const counts: Record<string, number> = {};
    for (const issue of taken.book?.issues.values() ?? [])
      counts[issue.template] = issue.tally.count;
    return { stats: taken.snapshot.total, failures: taken.snapshot.failures, counts };
  }

  it('read each new segment once between them, and fold what they fold reading it twice', async () => {
    const plain = new MemorySegmentStore();
    const shared = new MemorySegmentStore();
    for (const bucket of [plain, shared]) await segments(bucket, Array(40).fill(2));

    const twice = await snapshotOver(plain, T0 + MIN);
    const once = await snapshotOver(reusingSegmentReads(shared), T0 + MIN);

    expect(once).toEqual(twice);
    expect(once.failures).toBe(80);
    expect(Object.values(once.counts).reduce((a, b) => a + b, 0)).toBe(80);
    expect(plain.calls.read).toBe(80);
    expect(shared.calls.read).toBe(40);
  });
});
