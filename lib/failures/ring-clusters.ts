import type { RingEntry } from '../ring/ring';
import type { FailureCluster } from './report';

/**
 * The failure clusters of a ring's entries (oldest first), their trend hours
 * ending at `now`: what the snapshot function escalates. None until the
 * template-miner clustering (`clusterFailures`) is wired in here.
 */
export function ringClusters(_entries: readonly RingEntry[], _now: number): FailureCluster[] {
  return [];
}
