import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../dev/random';
import type { RingEntry } from '../../../lib/domain/entry';
import type { ObservedOp } from '../../../lib/domain/op';
import { DEFAULT_RING_CAP } from '../../../lib/platform/limits';
import { Deque } from '../../../lib/ring/deque';
import { Ring } from '../../../lib/ring/ring';
import { op, statsOf } from '../../support/ops';

const pick = <T>(rand: () => number, items: readonly T[]): T =>
  items[Math.floor(rand() * items.length)] as T;

/** An op as an old writer might have stored it: no source at all. */
function opWithoutSource(success: boolean): ObservedOp {
  const { source: _, ...rest } = op('tools/call', { success });
  return rest as ObservedOp;
}

const keyAt = (n: number) => `ops/k${String(n).padStart(8, '0')}`;

function entry(n: number, fields: Partial<ObservedOp> = {}, line = 0): RingEntry {
  return { key: keyAt(n), line, op: op('tools/call', fields) };
}

/** Log order written independently of lib/ring: key as a string, then line. */
function logOrder(a: RingEntry, b: RingEntry): number {
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  return a.line - b.line;
}

/** The stats recomputed from scratch over what the ring holds, oldest first. */
const recount = (ring: Ring) => statsOf([...ring].map((e) => e.op));

/**
 * A long pseudo-random log: mostly in-order arrivals, with late entries at
 * random older keys (ties on key included), random sources and outcomes.
 */
function randomEntries(seed: number, count: number): RingEntry[] {
  const rand = seededRandom(seed);
  const sources = ['mcp', 'scenario', 'langfuse', 'overseer_correction', 'custom.tool', undefined];
  const out: RingEntry[] = [];
  let clock = 1000;
  for (let i = 0; i < count; i++) {
    clock += Math.floor(rand() * 3);
    const late = rand() < 0.3;
    const n = late ? Math.max(0, clock - Math.floor(rand() * 400)) : clock;
    const success = rand() < 0.6;
    const source = pick(rand, sources);
    const fields: Partial<ObservedOp> = { success, timestamp: `t${i}` };
    if (source === 'scenario') {
      if (rand() < 0.7) fields.staffer_id = `w-${i}`;
      if (rand() < 0.5) fields.event_kind = 'fill';
      if (rand() < 0.5) fields.role = 'welder';
    }
    const o =
      source === undefined ? opWithoutSource(success) : op('tools/call', { ...fields, source });
    out.push({ key: keyAt(n), line: Math.floor(rand() * 3), op: o });
  }
  return out;
}

describe('Ring: capacity', () => {
  it('keeps only the newest cap entries once more are pushed', () => {
    const ring = new Ring(5);

    for (let n = 1; n <= 7; n++) ring.insert(entry(n));

    expect([...ring].map((e) => e.key)).toEqual([3, 4, 5, 6, 7].map(keyAt));
    expect(ring.size).toBe(5);
    expect(ring.stats().total).toBe(5);
  });

  it('holds the last 2000 of 2010 pushes with the default cap', () => {
    const ring = new Ring();

    for (let n = 0; n < 2010; n++) ring.insert(entry(n, { success: n % 3 === 0 }));

    const keys = [...ring].map((e) => e.key);
    expect(ring.cap).toBe(DEFAULT_RING_CAP);
    expect(keys).toHaveLength(2000);
    expect(keys[0]).toBe(keyAt(10));
    expect(keys.at(-1)).toBe(keyAt(2009));
    expect(ring.stats()).toEqual(recount(ring));
  });

  it('reports the newest entry', () => {
    const ring = new Ring(3);

    for (let n = 1; n <= 4; n++) ring.insert(entry(n));

    expect(ring.newest()?.key).toBe(keyAt(4));
  });

  it('has nothing to report when empty', () => {
    const ring = new Ring(3);

    expect(ring.newest()).toBeUndefined();
    expect(ring.stats()).toStrictEqual({
      total: 0,
      successes: 0,
      failures: 0,
      by_source: {},
      recent_scenario_ops: [],
      tokens: { by_model: {}, by_agent: {} },
    });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a cap of %s', (cap) => {
    expect(() => new Ring(cap)).toThrow(RangeError);
  });
});

describe('Ring: counters', () => {
  it.each([
    [1, 7, 3000],
    [2, 50, 3000],
    [3, 1, 500],
    [4, 2000, 4500],
  ])(
    'equal a full recount after every step of a seeded sequence (seed %i, cap %i, %i pushes)',
    (seed, cap, count) => {
      const ring = new Ring(cap);
      // Recounting a 2000-entry ring on every step is slow; sample the big ring instead.
      const every = cap > 100 ? 97 : 1;

      randomEntries(seed, count).forEach((e, i) => {
        ring.insert(e);
        if (i % every === 0) expect(ring.stats()).toEqual(recount(ring));
      });

      expect(ring.stats()).toEqual(recount(ring));
    },
  );

  it('holds exactly the newest cap entries in log order after a seeded sequence with late inserts', () => {
    const cap = 40;
    const ring = new Ring(cap);
    const all = randomEntries(5, 2500);

    all.forEach((e, i) => {
      ring.insert(e);
      if (i % 250 === 0 || i === all.length - 1) {
        // A stable sort keeps ties in arrival order, as the ring does.
        const expected = all
          .slice(0, i + 1)
          .sort(logOrder)
          .slice(-cap);
        expect([...ring]).toEqual(expected);
        expect([...ring].every((x, j) => x === expected[j])).toBe(true);
      }
    });
  });

  it('says whether each late entry was inserted: no only when it is older than a full ring', () => {
    const cap = 8;
    const ring = new Ring(cap);

    for (const e of randomEntries(6, 2000)) {
      const items = [...ring];
      const oldest = items[0];
      const wouldEvictAtOnce =
        items.length >= cap && oldest !== undefined && logOrder(e, oldest) < 0;

      const inserted = ring.insert(e);

      expect(inserted).toBe(!wouldEvictAtOnce);
      expect([...ring].includes(e)).toBe(inserted);
    }
  });

  it('counts successes and failures', () => {
    const ring = new Ring(10);

    ring.insert(entry(1, { success: true }));
    ring.insert(entry(2, { success: false }));
    ring.insert(entry(3, { success: true }));

    expect(ring.stats()).toMatchObject({ total: 3, successes: 2, failures: 1 });
  });

  it('uncounts an evicted op from successes, failures and its source', () => {
    const ring = new Ring(2);

    ring.insert(entry(1, { success: true, source: 'langfuse' }));
    ring.insert(entry(2, { success: false, source: 'mcp' }));
    ring.insert(entry(3, { success: false, source: 'mcp' }));

    expect(ring.stats()).toMatchObject({ total: 2, successes: 0, failures: 2 });
  });

  it('drops a source from by_source once its count reaches 0', () => {
    const ring = new Ring(2);

    ring.insert(entry(1, { source: 'langfuse' }));
    ring.insert(entry(2, { source: 'mcp' }));
    ring.insert(entry(3, { source: 'mcp' }));

    expect(ring.stats().by_source).toStrictEqual({ mcp: 2 });
  });

  it('counts an op without a source as mcp', () => {
    const ring = new Ring(5);

    ring.insert({ key: keyAt(1), line: 0, op: opWithoutSource(true) });
    ring.insert(entry(2, { source: 'mcp' }));

    expect(ring.stats().by_source).toStrictEqual({ mcp: 2 });
  });

  it('uncounts an evicted op without a source from mcp', () => {
    const ring = new Ring(1);

    ring.insert({ key: keyAt(1), line: 0, op: opWithoutSource(true) });
    ring.insert(entry(2, { source: 'scenario' }));

    expect(ring.stats().by_source).toStrictEqual({ scenario: 1 });
  });
});

describe('Ring: recent scenario ops', () => {
  it('reports the last 10 scenario ops oldest first, skipping other sources', () => {
    const ring = new Ring(100);

    for (let n = 0; n < 13; n++) {
      ring.insert(entry(2 * n, { source: 'scenario', staffer_id: `w-${n}` }));
      ring.insert(entry(2 * n + 1, { source: 'mcp', staffer_id: `mcp-${n}` }));
    }

    const staffers = ring.stats().recent_scenario_ops.map((d) => d.staffer);
    expect(staffers).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => `w-${n}`));
  });

  it('digests a scenario op as ts, ok, staffer, kind and role', () => {
    const ring = new Ring(5);

    ring.insert(
      entry(1, {
        source: 'scenario',
        timestamp: '2026-11-24T21:15:03.123Z',
        success: true,
        staffer_id: 'w-17',
        event_kind: 'fill',
        role: 'welder',
        endpoint: 'not-in-digest',
        duration_ms: 5,
      }),
    );

    expect(ring.stats().recent_scenario_ops).toStrictEqual([
      { ts: '2026-11-24T21:15:03.123Z', ok: true, staffer: 'w-17', kind: 'fill', role: 'welder' },
    ]);
  });

  it('leaves absent staffer, kind and role out of the digest', () => {
    const ring = new Ring(5);

    ring.insert(
      entry(1, { source: 'scenario', timestamp: '2026-01-01T00:00:00Z', success: false }),
    );
    ring.insert(entry(2, { source: 'scenario', timestamp: '2026-01-01T00:00:01Z', role: 'r' }));

    expect(ring.stats().recent_scenario_ops).toStrictEqual([
      { ts: '2026-01-01T00:00:00Z', ok: false },
      { ts: '2026-01-01T00:00:01Z', ok: true, role: 'r' },
    ]);
  });

  it('places a late scenario op in log order among the recent ones', () => {
    const ring = new Ring(10);
    ring.insert(entry(1, { source: 'scenario', staffer_id: 'a' }));
    ring.insert(entry(3, { source: 'scenario', staffer_id: 'c' }));

    ring.insert(entry(2, { source: 'scenario', staffer_id: 'b' }));

    expect(ring.stats().recent_scenario_ops.map((d) => d.staffer)).toEqual(['a', 'b', 'c']);
  });

  it('forgets a scenario op once it leaves the ring', () => {
    const ring = new Ring(2);

    ring.insert(entry(1, { source: 'scenario', staffer_id: 'gone' }));
    ring.insert(entry(2, { source: 'mcp' }));
    ring.insert(entry(3, { source: 'scenario', staffer_id: 'kept' }));

    expect(ring.stats().recent_scenario_ops.map((d) => d.staffer)).toEqual(['kept']);
  });
});

describe('Ring: late entries', () => {
  it('does not insert an entry older than everything in a full ring, and leaves counters alone', () => {
    const ring = new Ring(3);
    for (let n = 10; n < 13; n++) ring.insert(entry(n, { success: true, source: 'mcp' }));
    const before = ring.stats();

    const inserted = ring.insert(entry(5, { success: false, source: 'scenario' }));

    expect(inserted).toBe(false);
    expect(ring.stats()).toStrictEqual(before);
    expect([...ring].map((e) => e.key)).toEqual([10, 11, 12].map(keyAt));
  });

  it('inserts an entry older than everything when the ring still has room', () => {
    const ring = new Ring(3);
    ring.insert(entry(10));
    ring.insert(entry(11));

    const inserted = ring.insert(entry(5));

    expect(inserted).toBe(true);
    expect([...ring].map((e) => e.key)).toEqual([5, 10, 11].map(keyAt));
  });

  it('places a late entry in a full ring and evicts the oldest', () => {
    const ring = new Ring(3);
    for (const n of [10, 20, 30]) ring.insert(entry(n));

    const inserted = ring.insert(entry(25));

    expect(inserted).toBe(true);
    expect([...ring].map((e) => e.key)).toEqual([20, 25, 30].map(keyAt));
  });

  it('orders late entries by segment key, then by line within a segment', () => {
    const ring = new Ring(10);
    ring.insert(entry(2, {}, 0));
    ring.insert(entry(4, {}, 0));

    ring.insert(entry(3, {}, 1));
    ring.insert(entry(3, {}, 0));
    ring.insert(entry(2, {}, 1));

    expect([...ring].map((e) => [e.key, e.line])).toEqual([
      [keyAt(2), 0],
      [keyAt(2), 1],
      [keyAt(3), 0],
      [keyAt(3), 1],
      [keyAt(4), 0],
    ]);
  });

  it('orders keys as strings, not by their length', () => {
    const ring = new Ring(10);
    ring.insert({ key: 'ops/b', line: 0, op: op() });

    ring.insert({ key: 'ops/aaaa', line: 0, op: op() });

    expect([...ring].map((e) => e.key)).toEqual(['ops/aaaa', 'ops/b']);
  });
});

describe('Deque', () => {
  function contents<T>(d: Deque<T>): T[] {
    return [...d];
  }

  it('shifts values in the order they were pushed', () => {
    const d = new Deque<number>(2);
    for (const v of [1, 2, 3, 4, 5]) d.push(v);

    const out = [d.shift(), d.shift(), d.shift()];

    expect(out).toEqual([1, 2, 3]);
    expect(contents(d)).toEqual([4, 5]);
    expect(d.length).toBe(2);
  });

  it('answers undefined for shift, first, last and at on an empty deque', () => {
    const d = new Deque<number>();

    expect([d.shift(), d.first(), d.last(), d.at(0)]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(d.length).toBe(0);
  });

  it('answers undefined for an index out of range', () => {
    const d = new Deque<number>();
    d.push(1);

    expect([d.at(-1), d.at(1)]).toEqual([undefined, undefined]);
  });

  it('indexes, pushes and inserts across the wrap-around of its buffer', () => {
    const d = new Deque<number>(8);
    for (let v = 1; v <= 6; v++) d.push(v);
    for (let i = 0; i < 5; i++) d.shift();
    for (const v of [7, 8, 9, 10]) d.push(v); // head near the end: 8..10 wrap to the start

    d.insertAt(2, 75);

    expect(contents(d)).toEqual([6, 7, 75, 8, 9, 10]);
    expect([d.first(), d.last(), d.at(3)]).toEqual([6, 10, 8]);
  });

  it('grows while wrapped and keeps the order', () => {
    const d = new Deque<number>(4);
    for (const v of [1, 2, 3]) d.push(v);
    d.shift();
    d.shift();
    for (const v of [4, 5, 6]) d.push(v); // full and wrapped

    d.insertAt(1, 35);
    d.push(7);

    expect(contents(d)).toEqual([3, 35, 4, 5, 6, 7]);
  });

  it('inserts at the front, and past the end as a push', () => {
    const d = new Deque<number>(4);
    d.push(2);

    d.insertAt(0, 1);
    d.insertAt(99, 3);

    expect(contents(d)).toEqual([1, 2, 3]);
  });

  it('finds the first index after equal values with upperBound, across the wrap-around', () => {
    const d = new Deque<number>(6);
    for (const v of [0, 0, 0, 0]) d.push(v);
    for (let i = 0; i < 4; i++) d.shift();
    for (const v of [1, 3, 3, 5]) d.push(v); // wraps after two values
    const cmp = (a: number, b: number) => a - b;

    expect([0, 1, 2, 3, 4, 5, 9].map((v) => d.upperBound(v, cmp))).toEqual([0, 1, 1, 3, 3, 4, 4]);
  });

  it('returns the last n values oldest first from tail, across the wrap-around', () => {
    const d = new Deque<number>(4);
    for (const v of [1, 2, 3]) d.push(v);
    d.shift();
    d.shift();
    for (const v of [4, 5, 6]) d.push(v);

    expect(d.tail(2)).toEqual([5, 6]);
    expect(d.tail(10)).toEqual([3, 4, 5, 6]);
    expect(d.tail(0)).toEqual([]);
  });

  it('behaves like an array under a seeded mix of push, shift and insertAt', () => {
    const rand = seededRandom(42);
    const d = new Deque<number>(3);
    const model: number[] = [];

    for (let i = 0; i < 5000; i++) {
      const r = rand();
      if (r < 0.45) {
        d.push(i);
        model.push(i);
      } else if (r < 0.75) {
        expect(d.shift()).toBe(model.shift());
      } else {
        const at = Math.floor(rand() * (model.length + 1));
        d.insertAt(at, i);
        model.splice(at, 0, i);
      }
      expect(d.length).toBe(model.length);
    }

    expect(contents(d)).toEqual(model);
    expect(d.tail(7)).toEqual(model.slice(-7));
  });
});

describe('stats between changes', () => {
  it('answers the same frozen stats until an op enters or leaves', () => {
    const ring = new Ring(2);
    ring.insert(entry(1, { source: 'scenario' }));
    const first = ring.stats();

    expect(ring.stats()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.by_source)).toBe(true);
    expect(() => {
      (first as { total: number }).total = 99;
    }).toThrow(TypeError);

    ring.insert(entry(2, { success: false }));
    const second = ring.stats();
    expect(second).not.toBe(first);
    expect(second).toEqual(recount(ring));
    ring.insert(entry(3));
    expect(ring.stats()).toEqual(recount(ring));
    expect(ring.stats().total).toBe(2);
    ring.remove({ key: keyAt(3), line: 0 });
    expect(ring.stats()).toEqual(recount(ring));
    expect(first).toMatchObject({ total: 1, by_source: { scenario: 1 } });
  });
});
