import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { log, logger } from '../lib/platform/log';
import { MetricName, metrics, withTelemetry } from '../lib/platform/metrics';
import { getObserver } from '../lib/platform/runtime';
import { writeSnapshot } from '../lib/stats/writer';

/**
 * Scheduled every minute: refresh the ring, then write the stats snapshot and
 * the ring checkpoint. A failure throws, so the invocation is marked failed
 * (and retried by EventBridge); the previous checkpoint stays in place.
 */
export const handler = withTelemetry(async (): Promise<{ generated_at: string; ops: number }> => {
  const snap = await writeSnapshot(getObserver());
  log.info('snapshot written', {
    generated_at: snap.generated_at,
    ops: snap.total,
    cold_start: logger.isServingColdStart(),
  });
  metrics.addMetric(MetricName.RingSize, MetricUnit.Count, snap.total);
  return { generated_at: snap.generated_at, ops: snap.total };
});
