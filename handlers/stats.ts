import { authorize, httpHandler, json } from '../lib/http';
import { config, getObserver, takeColdStart } from '../lib/runtime';
import { measuredStats } from '../lib/telemetry';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, config.apiToken);
  const { stats, stale } = await measuredStats(getObserver());
  return json(200, stats, stale ? { 'x-observer-stale': 'true' } : {});
});
