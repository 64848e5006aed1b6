import type { RingEntry } from '../domain/entry';
import { clusterFailures } from '../failures/clustering/clusters';
import type { FailureCluster } from '../failures/clustering/report';
import { encodeCheckpoint } from '../ring/checkpoint';
import type { Observer } from '../ring/observer';
import { CHECKPOINT_KEY, LATEST_STATS_KEY, statsHourKey, statsMinuteKey } from '../storage/keys';
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
  return (await takeSnapshot(observer)).snapshot;
}

/** A written snapshot, with the ring and the failure clusters it was made from. */
export interface TakenSnapshot {
  snapshot: StatsSnapshot;
  /** The refreshed ring's entries, oldest first. */
  entries: RingEntry[];
  clusters: FailureCluster[];
  /** The clock the snapshot was taken at (ms since the epoch). */
  now: number;
}

/**
 * `writeSnapshot`, handing back the ring and clusters too, so what runs
 * after it in the same invocation (escalation) neither refreshes the ring
 * again nor mines its failures twice.
 */
export async function takeSnapshot(observer: Observer): Promise<TakenSnapshot> {
  const state = await observer.current();
  const at = new Date(observer.now());
  const { store } = observer;
  const ring = state.ring;
  const entries = [...ring];
  const clusters = clusterFailures(entries, at.getTime());
  const snap: StatsSnapshot = {
    ...statsSnapshot(ring.stats(), ring.oldest(), ring.newest(), at),
    clusters: clusterDigests(clusters),
  };
  const doc = JSON.stringify(snap);
  await store.putDocument(statsMinuteKey(at), doc);
  await store.putDocument(LATEST_STATS_KEY, doc);
  await addToHour(store, statsHourKey(at), snap);
  await store.putDocument(
    CHECKPOINT_KEY,
    encodeCheckpoint(state.checkpoint(observer.options.skewMs), at),
  );
  return { snapshot: snap, entries, clusters, now: at.getTime() };
}
