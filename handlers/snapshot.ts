import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { log } from '../lib/platform/log';
import { MetricName, metrics, withTelemetry } from '../lib/platform/metrics';
import { getObserver, takeColdStart } from '../lib/platform/runtime';

/**
 * Scheduled every minute: refresh the ring, then write the stats snapshot and
 * the ring checkpoint. A failure throws, so the invocation is marked failed
 * (and retried by EventBridge); the previous checkpoint stays in place.
 */
export const handler = withTelemetry(async (): Promise<{ generated_at: string; ops: number }> => {
  const coldStart = takeColdStart();
  const snap = await getObserver().snapshot();
  log.info('snapshot written', {
    generated_at: snap.generated_at,
    ops: snap.total,
    cold_start: coldStart,
  });
  metrics.addMetric(MetricName.RingSize, MetricUnit.Count, snap.total);
  return { generated_at: snap.generated_at, ops: snap.total };
});
