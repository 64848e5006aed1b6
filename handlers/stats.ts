import { httpHandler, json } from '../lib/http';
import { admit, getObserver } from '../lib/runtime';
import { measuredStats } from '../lib/telemetry';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const { stats, stale } = await measuredStats(getObserver());
  return json(200, stats, stale ? { 'x-observer-stale': 'true' } : {});
});
