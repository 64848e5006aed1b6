import { describe, expect, it } from 'vitest';
import type { ObservedOp } from '../../../lib/domain/op';
import { Observer } from '../../../lib/ring/observer';
import { keepCheckpointFresh, writeSnapshot } from '../../../lib/stats/writer';
import { CHECKPOINT_KEY, segmentKey } from '../../../lib/storage/keys';
import { encodeSegment } from '../../../lib/storage/segment-codec';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';
import { nthOp } from '../../support/ops';

// Readers that may answer up to `maxStalenessMs` old: from their own ring,
// or from the newest checkpoint the snapshot function writes, instead of
// each reading every new segment.

const T0 = Date.UTC(2026, 11, 5, 9, 0, 0);
const SKEW = 15_000;

function setup(maxStalenessMs: number) {
  const store = new MemorySegmentStore();
  let now = T0;
  const clock = () => now;
  const reader = new Observer(store, {
    cap: 10,
    skewMs: SKEW,
    coldStartHours: 168,
    maxStalenessMs,
    now: clock,
  });
  const writer = new Observer(store, { cap: 10, skewMs: SKEW, coldStartHours: 168, now: clock });
  let n = 0;
  const write = (...ops: ObservedOp[]) => {
    const key = segmentKey(new Date(now), `w${String(n++).padStart(9, '0')}`);
    store.putRaw(key, encodeSegment(ops));
    return key;
  };
  return { store, reader, writer, write, tick: (ms: number) => (now += ms), clock };
}

const totalOf = async (o: Observer) => (await o.stats()).stats.total;

describe('a reader allowed to answer 5 s old', () => {
  it('answers from its own ring, with no store call, within 5 s of its last listing', async () => {
    const { store, reader, write, tick } = setup(5000);
    write(nthOp(1));
    expect(await totalOf(reader)).toBe(1);
    write(nthOp(2));
    tick(4999);
    store.resetCalls();

    expect(await totalOf(reader)).toBe(1);
    expect(store.calls).toEqual(NO_CALLS);
  });

  it('sees a write once its ring is 5 s old: a read is never staler than that', async () => {
    const { reader, write, tick } = setup(5000);
    write(nthOp(1));
    await totalOf(reader);
    write(nthOp(2));
    tick(5000);

    expect(await totalOf(reader)).toBe(2);
  });

  it('takes a newer checkpoint in place of the segments written since, when it is fresh enough', async () => {
    const { store, reader, writer, write, tick } = setup(5000);
    write(nthOp(1));
    await totalOf(reader);
    tick(60_000);
    for (let i = 2; i <= 30; i++) write(nthOp(i));
    tick(1000);
    await writeSnapshot(writer);
    tick(1000);
    store.resetCalls();

    const { ring } = await reader.freshRing();

    expect(ring.size).toBe(10);
    expect([...ring].at(-1)?.op.endpoint).toBe('e30');
    // One conditional read of the checkpoint; no listing, no segment.
    expect(store.calls).toEqual({ ...NO_CALLS, getIfChanged: 1 });
  });

  it('lists, and reads what is new, when the checkpoint is unchanged and older than 5 s', async () => {
    const { store, reader, writer, write, tick } = setup(5000);
    write(nthOp(1));
    await writeSnapshot(writer);
    await totalOf(reader);
    tick(6000);
    write(nthOp(2));
    store.resetCalls();

    expect(await totalOf(reader)).toBe(2);
    expect(store.calls).toMatchObject({ getIfChanged: 1, list: 1, read: 1 });
  });
});

describe('a reader that lists every time (maxStalenessMs 0)', () => {
  it('looks for a newer checkpoint only after being idle for longer than the skew window', async () => {
    const { store, reader, write, tick } = setup(0);
    write(nthOp(1));
    await totalOf(reader);
    tick(SKEW);
    store.resetCalls();
    await totalOf(reader);
    expect(store.calls.getIfChanged).toBe(0);

    tick(SKEW + 1);
    await totalOf(reader);
    expect(store.calls.getIfChanged).toBe(1);
  });
});

describe('the snapshot function keeping the checkpoint fresh', () => {
  it('writes it after each round that found new ops, and stops at the first round that found none', async () => {
    const { store, writer, write, tick } = setup(0);
    write(nthOp(1));
    let rounds = 0;
    const written: number[] = [];
    const checkpoints = await keepCheckpointFresh(writer, {
      intervalMs: 2000,
      continueWhile: () => rounds < 10,
      sleep: async (ms) => {
        tick(ms);
        rounds++;
        // New ops in the first three rounds, none after.
        if (rounds <= 3) write(nthOp(10 + rounds));
        written.push(store.objects.has(CHECKPOINT_KEY) ? 1 : 0);
      },
    });

    expect(checkpoints).toBe(3);
    expect(rounds).toBe(4);
    const doc = JSON.parse(String(store.objects.get(CHECKPOINT_KEY)));
    expect(doc.op_count).toBe(4);
  });

  it('does nothing at all when its time is up before it starts', async () => {
    const { store, writer } = setup(0);

    const checkpoints = await keepCheckpointFresh(writer, {
      intervalMs: 2000,
      continueWhile: () => false,
    });

    expect(checkpoints).toBe(0);
    expect(store.calls).toEqual(NO_CALLS);
  });
});
