import { addToHour } from '../lib/stats/history';
import type { StatsSnapshot } from '../lib/stats/snapshot';
import { statsHourKey } from '../lib/storage/keys';
import type { SegmentStore } from '../lib/storage/store';

/**
 * A stats snapshot taken at `at` over a ring of `total` ops, `failures` of
 * them failed, counting as many ops and failures in the minute before.
 */
export function historySnapshot(at: Date, total: number, failures: number): StatsSnapshot {
  const minute = Math.floor(at.getTime() / 60_000) * 60_000 - 60_000;
  return {
    total,
    successes: total - failures,
    failures,
    by_source: { mcp: total },
    recent_scenario_ops: [],
    generated_at: at.toISOString(),
    window: { from: null, to: null, ops: total },
    rate: { minute: new Date(minute).toISOString(), ops: total, failures },
  };
}

/** Writes snapshots into the history, as the snapshot function would have, one after another. */
export async function seedHistory(store: SegmentStore, snapshots: StatsSnapshot[]): Promise<void> {
  for (const snapshot of snapshots) {
    await addToHour(store, statsHourKey(new Date(snapshot.generated_at)), snapshot);
  }
}
