import { httpHandler, json } from '../lib/http/http';
import { measuredStats } from '../lib/platform/metrics';
import { admit, getObserver } from '../lib/platform/runtime';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const { stats, stale } = await measuredStats(getObserver());
  return json(200, stats, stale ? { 'x-observer-stale': 'true' } : {});
});
