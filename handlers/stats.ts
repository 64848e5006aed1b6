import { authorize, httpHandler, json } from '../lib/http';
import { apiToken, getObserver, takeColdStart } from '../lib/runtime';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, await apiToken());
  const { stats, stale } = await getObserver().stats();
  return json(200, stats, stale ? { 'x-observer-stale': 'true' } : {});
});
