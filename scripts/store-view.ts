import type { SegmentStore } from '../lib/segment-store';

/**
 * The same store with some operations replaced, for fault injection and
 * benchmarks: the rest still run against the real store (and the real
 * store's own calls between its methods are not redirected).
 */
export function storeView(store: SegmentStore, overrides: Partial<SegmentStore>): SegmentStore {
  return {
    nextKey: (at) => store.nextKey(at),
    append: (ops, at, key) => store.append(ops, at, key),
    claimId: (id, key) => store.claimId(id, key),
    list: (prefix, startAfter) => store.list(prefix, startAfter),
    read: (key) => store.read(key),
    getDocument: (key) => store.getDocument(key),
    putDocument: (key, body) => store.putDocument(key, body),
    ...overrides,
  };
}
