import { httpHandler, json } from '../lib/http';
import { admit, getObserver } from '../lib/runtime';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const { stats, stale } = await getObserver().stats();
  return json(200, stats, stale ? { 'x-observer-stale': 'true' } : {});
});
