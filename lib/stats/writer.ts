import { clusterFailures } from '../failures/clusters';
import type { Observer } from '../ring/observer';
import { CHECKPOINT_KEY, LATEST_STATS_KEY, statsHourKey, statsMinuteKey } from '../storage/keys';
import { encodeCheckpoint } from './checkpoint';
import { clusterDigests } from './cluster-digest';
import { addToHour } from './history';
import { type StatsSnapshot, statsSnapshot } from './snapshot';

/**
 * Refreshes the observer's ring, then writes the minute's stats snapshot
 * (with the ring's largest failure clusters), the latest snapshot, the
 * hour's history and the ring checkpoint. Each write is one whole object,
 * and the checkpoint is written last and only from a refreshed ring, so a
 * crash at any point leaves the previous checkpoint (or a complete new one)
 * and never one that claims ops it does not hold.
 */
export async function writeSnapshot(observer: Observer): Promise<StatsSnapshot> {
  const state = await observer.current();
  const at = new Date(observer.now());
  const { store } = observer;
  const ring = state.ring;
  const snap: StatsSnapshot = {
    ...statsSnapshot(ring.stats(), ring.oldest(), ring.newest(), at),
    clusters: clusterDigests(clusterFailures(ring, at.getTime())),
  };
  const doc = JSON.stringify(snap);
  await store.putDocument(statsMinuteKey(at), doc);
  await store.putDocument(LATEST_STATS_KEY, doc);
  await addToHour(store, statsHourKey(at), snap);
  await store.putDocument(
    CHECKPOINT_KEY,
    encodeCheckpoint([...ring], observer.options.cap, state.watermark, at, state.ids.values()),
  );
  return snap;
}
