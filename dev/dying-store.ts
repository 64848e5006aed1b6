import { type SegmentStore, storeView } from '../lib/storage/store';

/** A store that dies at its n-th call, and how many calls it has seen. */
export type DyingStore = SegmentStore & { readonly calls: number };

/**
 * The store, dying at its n-th call: that call and every later one throw,
 * as if the process stopped there (a worker killed, or timed out). A delete
 * it dies in removes the first half of its keys first (a batch cut short);
 * a listing counts as one call whatever its pages.
 */
export function dyingAt(n: number, store: SegmentStore): DyingStore {
  let calls = 0;
  const step = async <T>(run: () => Promise<T>, partial?: () => Promise<void>): Promise<T> => {
    calls++;
    if (calls >= n) {
      if (calls === n) await partial?.();
      throw new Error(`died at step ${calls}`);
    }
    return run();
  };
  const pages = <T>(list: () => AsyncIterable<T[]>) =>
    async function* () {
      yield await step(async () => {
        const all: T[] = [];
        for await (const page of list()) all.push(...page);
        return all;
      });
    };
  const view = storeView(store, {
    list: (prefix, startAfter) => pages(() => store.list(prefix, startAfter))(),
    listSized: (prefix, startAfter) => pages(() => store.listSized(prefix, startAfter))(),
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
  return Object.defineProperty(view, 'calls', { get: () => calls }) as DyingStore;
}
