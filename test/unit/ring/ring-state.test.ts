import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import type { RingEntry } from '../../../lib/domain/entry';
import { RingState } from '../../../lib/ring/ring-state';
import { segmentKey } from '../../../lib/storage/keys';
import { op } from '../../support/ops';

const key = (n: number) => `ops/2026/11/24/21/20261124T2100${String(n).padStart(5, '0')}Z-w.jsonl`;

const where = (state: RingState) => [...state.ring].map((e) => `${e.key}#${e.line}`);

const MINUTE = 60_000;
const fresh = (cap: number, windowMs = 10 * MINUTE) => new RingState({ cap, windowMs }, 0);
/** A segment key stamped `ms` after 2026-11-24T21:00Z. */
const at = (ms: number, unique = 'w') =>
  segmentKey(new Date(Date.UTC(2026, 10, 24, 21) + ms), unique);

describe('copies of an op id in a ring', () => {
  it('counts the earliest copy, even when a later one arrived first', () => {
    const state = fresh(10);
    state.apply(key(2), [{ key: key(2), line: 0, op: op('x', { id: 'op-1' }) }]);

    state.apply(key(1), [{ key: key(1), line: 0, op: op('x', { id: 'op-1' }) }]);

    expect(where(state)).toEqual([`${key(1)}#0`]);
    expect(state.ring.stats().total).toBe(1);
  });

  it('skips a copy within the retry window of one a checkpoint remembers, outside its ring', () => {
    const state = fresh(10);
    state.seed([], [], 15_000);
    state.addCopies([{ id: 'op-1', key: key(1), line: 0 }]);

    state.apply(key(2), [{ key: key(2), line: 0, op: op('x', { id: 'op-1' }) }]);

    expect(state.ring.size).toBe(0);
  });

  it('counts a copy stored a retry window or more after the copy before it, as a new op', () => {
    const state = fresh(10, 5 * MINUTE);
    const copies = [0, 5 * MINUTE - 1, 10 * MINUTE - 2].map((ms) => at(ms));

    for (const k of copies) state.apply(k, [{ key: k, line: 0, op: op('x', { id: 'op-1' }) }]);

    // Each copy is within the window of the one just before it: only the first counts.
    expect(where(state)).toEqual([`${copies[0]}#0`]);
    const later = at(15 * MINUTE - 2);
    state.apply(later, [{ key: later, line: 0, op: op('x', { id: 'op-1' }) }]);
    expect(where(state)).toEqual([`${copies[0]}#0`, `${later}#0`]);
  });

  it('refills the ring from below when a copy that counted turns out to be a retry', () => {
    const state = fresh(2);
    const apply = (k: string, name: string, id: string) =>
      state.apply(k, [{ key: k, line: 0, op: op(name, { id }) }]);
    apply(at(1000), 'a', 'a');
    apply(at(2000), 'x', 'x');
    apply(at(3000), 'b', 'b');
    apply(at(4000), 'x-again', 'x');
    expect([...state.ring].map((e) => e.op.endpoint)).toEqual(['x', 'b']);

    // A late copy of b, stamped before x: b stops counting, and a comes back.
    const early = at(1500, 'late');
    state.apply(early, [{ key: early, line: 0, op: op('b-first', { id: 'b' }) }]);

    expect([...state.ring].map((e) => e.op.endpoint)).toEqual(['b-first', 'x']);
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
    const inOrder = fresh(200);
    for (const entries of segments) inOrder.apply((entries[0] as RingEntry).key, entries);

    for (let round = 0; round < 20; round++) {
      const shuffled = [...segments].sort(() => random() - 0.5);
      const state = fresh(200);
      for (const entries of shuffled) state.apply((entries[0] as RingEntry).key, entries);

      expect(where(state)).toEqual(where(inOrder));
    }
  });
});
