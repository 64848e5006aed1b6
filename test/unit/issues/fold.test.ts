import { describe, expect, it } from 'vitest';
import type { ObservedOp } from '../../../lib/domain/op';
import { type FoldOptions, IssueFolder } from '../../../lib/issues/fold';
import { compactPartition } from '../../../lib/lake/compaction';
import { hourPartition, ISSUES_STATE_KEY } from '../../../lib/storage/keys';
import { storeView } from '../../../lib/storage/store';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

const T0 = Date.parse('2026-11-24T12:00:00.000Z');
const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const THRESHOLDS = { minCount: 10, windowMinutes: 15, growth: 3 };

/** A folder over `store` whose clock reads `clock.now`. */
function folderOf(
  store: MemorySegmentStore | ReturnType<typeof storeView>,
  clock: { now: number },
  options: Partial<FoldOptions> = {},
): IssueFolder {
  return new IssueFolder(store, {
    skewMs: 15 * SEC,
    thresholds: THRESHOLDS,
    now: () => clock.now,
    ...options,
  });
}

const failed = (error: string, fields: Partial<ObservedOp> = {}) =>
  op('tools/call', { success: false, error, ...fields });

/** Folds until the folder has caught up with its clock; the rounds it took. */
async function foldAll(folder: IssueFolder): Promise<number> {
  for (let rounds = 1; ; rounds++) {
    const result = await folder.fold();
    if (!result.behind) return rounds;
  }
}

/** Failures counted over all issues not merged away. */
async function failuresCounted(folder: IssueFolder): Promise<number> {
  let n = 0;
  for (const r of (await folder.current()).issues.values()) if (!r.mergedInto) n += r.tally.count;
  return n;
}

/** Each issue's count (merged ones aside), by template. */
async function countsByTemplate(folder: IssueFolder): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const r of (await folder.current()).issues.values()) {
    if (!r.mergedInto) out[r.template] = (out[r.template] ?? 0) + r.tally.count;
  }
  return out;
}

describe('the fold', () => {
  it('counts every failure posted between two folds, far more than a ring holds', async () => {
    const store = new MemorySegmentStore();
    const clock = { now: T0 };
    const folder = folderOf(store, clock);
    await store.append([failed('disk full on /dev/sda1')], new Date(T0 - MIN));
    clock.now = T0;
    const first = await folder.fold();
    for (let s = 0; s < 25; s++) {
      const ops = Array.from({ length: 100 }, (_, i) => failed(`timeout after ${s * 100 + i} ms`));
      await store.append(ops, new Date(T0 + SEC + s * 10));
    }

    clock.now = T0 + MIN;
    const second = await folder.fold();

    expect(first).toMatchObject({ objects: 1, failures: 1, written: true });
    expect(second).toMatchObject({ objects: 25, ops: 2500, failures: 2500, written: true });
    expect(await countsByTemplate(folder)).toEqual({
      'disk full on <*>': 1,
      'timeout after <*>': 2500,
    });
  });

  it('reads only what is older than the skew window, each object once', async () => {
    const store = new MemorySegmentStore();
    const clock = { now: T0 };
    const folder = folderOf(store, clock);
    await store.append([failed('a failed')], new Date(T0 - 20 * SEC));
    await store.append([failed('b failed')], new Date(T0 - 5 * SEC));

    const early = await folder.fold();
    clock.now = T0 + 20 * SEC;
    const later = await folder.fold();
    const idle = await folder.fold();

    expect([early.objects, later.objects, idle.objects]).toEqual([1, 1, 0]);
    expect(idle.written).toBe(false);
    expect(await failuresCounted(folder)).toBe(2);
  });

  it('counts the same, however many rounds the log is read in', async () => {
    const build = async () => {
      const store = new MemorySegmentStore(() => 'c0');
      let seq = 0;
      for (let i = 0; i < 120; i++) {
        const error = [`user u${i % 7} not found`, `timeout after ${i} ms`, 'disk full'][i % 3];
        const ops = [
          failed(error as string),
          op('tools/call'),
          failed(`quota ${i} of t-${i % 4} exceeded`),
        ];
        await store.append(ops, new Date(T0 - 40 * MIN + i * 15 * SEC + seq++));
      }
      return store;
    };
    const clock = { now: T0 };
    const oneGo = folderOf(await build(), clock);
    const manyGoes = folderOf(await build(), clock, { maxObjects: 7 });

    await foldAll(oneGo);
    const rounds = await foldAll(manyGoes);

    expect(rounds).toBeGreaterThan(10);
    expect(await countsByTemplate(manyGoes)).toEqual(await countsByTemplate(oneGo));
    expect(await failuresCounted(manyGoes)).toBe(240);
  });

  it('counts a retried failed op once: within a round, across rounds, and after a reload', async () => {
    const store = new MemorySegmentStore();
    const clock = { now: T0 };
    const retried = failed('connection refused', { id: 'op-1' });
    await store.append([retried], new Date(T0 - 5 * MIN));
    await store.append([retried], new Date(T0 - 4 * MIN));
    await folderOf(store, clock).fold();
    await store.append([retried], new Date(T0 + SEC));
    await store.append([retried], new Date(T0 + 9 * MIN));
    // 10 minutes after the copy before it: a new op with the same id, which counts again.
    await store.append([retried], new Date(T0 + 19 * MIN + SEC));
    const reloaded = folderOf(store, clock);

    clock.now = T0 + 30 * MIN;
    const result = await reloaded.fold();

    expect(result).toMatchObject({ ops: 1, retries: 2 });
    expect(await failuresCounted(reloaded)).toBe(2);
  });

  it('never double-counts when two folders fold at once: the second write loses and folds again', async () => {
    const store = new MemorySegmentStore();
    const clock = { now: T0 };
    for (let i = 0; i < 40; i++)
      await store.append([failed(`timeout after ${i} ms`)], new Date(T0 - MIN + i));
    // A's write waits until B has written: A's conditional write then meets B's state.
    let release: () => void = () => undefined;
    const bWrote = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowA = storeView(store, {
      putObject: async (key, body, ifMatch) => {
        if (key === ISSUES_STATE_KEY) await bWrote;
        return store.putObject(key, body, ifMatch);
      },
    });
    const fastB = storeView(store, {
      putObject: async (key, body, ifMatch) => {
        const etag = await store.putObject(key, body, ifMatch);
        if (key === ISSUES_STATE_KEY) release();
        return etag;
      },
    });
    const logs = captureLogs('info');
    const a = folderOf(slowA, clock);
    const b = folderOf(fastB, clock);

    const [ra, rb] = await Promise.all([a.fold(), b.fold()]);
    for (let i = 0; i < 5; i++)
      await store.append([failed(`timeout after ${i} ms`)], new Date(T0 + SEC + i));
    clock.now = T0 + MIN;
    await Promise.all([a.fold(), b.fold()]);
    const fresh = folderOf(store, clock);

    expect(rb).toMatchObject({ failures: 40, written: true, conflicts: 0 });
    expect(ra).toMatchObject({ failures: 0, written: false, conflicts: 1 });
    expect(
      logs.logLines('issue state written by another folder; folding again from it').length,
    ).toBeGreaterThanOrEqual(1);
    expect(await failuresCounted(fresh)).toBe(45);
  });

  it('meets compacted hours when far behind, and counts each op once by its original key', async () => {
    const build = async () => {
      const store = new MemorySegmentStore(() => 'c0');
      let seq = 0;
      for (let h = 5; h >= 3; h--) {
        for (let i = 0; i < 30; i++) {
          const at = T0 - h * HOUR + i * 2 * MIN + seq++;
          const id = `op-${h}-${i % 20}`;
          // Every op id is sent twice a few seconds apart: the second copy is a retry.
          await store.append([failed(`timeout after ${i} ms`, { id })], new Date(at));
          await store.append([failed(`timeout after ${i} ms`, { id })], new Date(at + 3 * SEC));
        }
      }
      return store;
    };
    const clock = { now: T0 };
    const reference = folderOf(await build(), clock);
    await foldAll(reference);
    const store = await build();
    // The folder reads up to half-way through the oldest hour, then stops (crashes) there.
    clock.now = T0 - 4 * HOUR - 30 * MIN;
    const behind = folderOf(store, clock);
    await foldAll(behind);
    const partial = await failuresCounted(behind);
    for (const h of [5, 4, 3]) {
      await compactPartition(store, hourPartition(new Date(T0 - h * HOUR)), {
        retryWindowMs: 10 * MIN,
      });
    }
    clock.now = T0;

    await foldAll(folderOf(store, clock));
    const caughtUp = folderOf(store, clock);

    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(30);
    expect([...store.objects.keys()].filter((k) => k.endsWith('.jsonl'))).toEqual([]);
    expect(await failuresCounted(caughtUp)).toBe(await failuresCounted(reference));
    // 30 ops an hour (ids sent 40 minutes apart are two ops), each with one retry.
    expect(await failuresCounted(reference)).toBe(3 * 30);
  });

  it('folds the whole log again when the state cannot be read', async () => {
    const store = new MemorySegmentStore();
    const clock = { now: T0 };
    await store.append([failed('disk full')], new Date(T0 - MIN));
    await folderOf(store, clock).fold();
    store.putRaw(ISSUES_STATE_KEY, '{"version": 7}');
    const logs = captureLogs('error');

    const folder = folderOf(store, clock);
    await folder.fold();

    expect(
      logs.logLines('issue state unreadable; folding the whole log again', 'error'),
    ).toHaveLength(1);
    expect(await failuresCounted(folder)).toBe(1);
  });
});
