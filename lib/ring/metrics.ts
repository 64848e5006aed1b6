import { performance } from 'node:perf_hooks';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName, metrics } from '../platform/metrics';
import type { Observer } from './observer';
import type { Stats } from './ring';

/**
 * Stats from the observer, timed: the first call in a container is the
 * cold-start rebuild, later ones are refreshes; the ring size after it.
 */
export async function measuredStats(observer: Observer): Promise<{ stats: Stats; stale: boolean }> {
  const rebuild = !observer.status().loaded;
  const started = performance.now();
  const result = await observer.stats();
  const name = rebuild ? MetricName.ColdStartRebuildTime : MetricName.RefreshTime;
  metrics.addMetric(name, MetricUnit.Milliseconds, Math.round(performance.now() - started));
  metrics.addMetric(MetricName.RingSize, MetricUnit.Count, observer.status().ring_size);
  return result;
}
