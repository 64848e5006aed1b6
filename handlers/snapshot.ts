import { log } from '../lib/log';
import { getObserver, takeColdStart } from '../lib/runtime';

/**
 * Scheduled every minute: refresh the ring, then write the stats snapshot and
 * the ring checkpoint. A failure throws, so the invocation is marked failed
 * (and retried by EventBridge); the previous checkpoint stays in place.
 */
export const handler = async (): Promise<{ generated_at: string; ops: number }> => {
  const coldStart = takeColdStart();
  const snap = await getObserver().snapshot();
  log.info('snapshot written', {
    generated_at: snap.generated_at,
    ops: snap.total,
    cold_start: coldStart,
  });
  return { generated_at: snap.generated_at, ops: snap.total };
};
