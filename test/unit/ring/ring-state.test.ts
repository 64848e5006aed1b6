import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import type { RingEntry } from '../../../lib/domain/entry';
import { RingState } from '../../../lib/ring/ring-state';
import { op } from '../../support/ops';

const key = (n: number) => `ops/2026/11/24/21/20261124T2100${String(n).padStart(5, '0')}Z-w.jsonl`;

const where = (state: RingState) => [...state.ring].map((e) => `${e.key}#${e.line}`);

describe('copies of an op id in a ring', () => {
  it('counts the earliest copy, even when a later one arrived first', () => {
    const state = new RingState(10, 0);
    state.apply(key(2), [{ key: key(2), line: 0, op: op('x', { id: 'op-1' }) }]);

    state.apply(key(1), [{ key: key(1), line: 0, op: op('x', { id: 'op-1' }) }]);

    expect(where(state)).toEqual([`${key(1)}#0`]);
    expect(state.ring.stats().total).toBe(1);
  });

  it('skips a copy of an id a checkpoint remembers without its place', () => {
    const state = new RingState(10, 0);
    state.seed([], ['op-1']);

    state.apply(key(1), [{ key: key(1), line: 0, op: op('x', { id: 'op-1' }) }]);

    expect(state.ring.size).toBe(0);
  });

  it('holds the same entries whatever order segments with copies are applied in', () => {
    // Within the ring's window: an evicted op cannot come back, in any order.
    const random = seededRandom(7);
    const segments: RingEntry[][] = Array.from({ length: 40 }, (_, s) =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, (_, line) => {
        const id = random() < 0.5 ? `op-${Math.floor(random() * 20)}` : undefined;
        return { key: key(s), line, op: op(`e${s}.${line}`, id === undefined ? {} : { id }) };
      }),
    );
    const inOrder = new RingState(200, 0);
    for (const entries of segments) inOrder.apply((entries[0] as RingEntry).key, entries);

    for (let round = 0; round < 20; round++) {
      const shuffled = [...segments].sort(() => random() - 0.5);
      const state = new RingState(200, 0);
      for (const entries of shuffled) state.apply((entries[0] as RingEntry).key, entries);

      expect(where(state)).toEqual(where(inOrder));
    }
  });
});
