import { countSegmentRead } from '../platform/metrics';
import { type SegmentStore, storeView } from './store';

/** The store, counting the objects read through it (published as SegmentsRead). */
export function meteredStore(store: SegmentStore): SegmentStore {
  return storeView(store, {
    read: async (key) => {
      const entries = await store.read(key);
      countSegmentRead();
      return entries;
    },
  });
}
