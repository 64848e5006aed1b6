import { admit, config, getObserver } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { measuredStats } from '../lib/ring/metrics';
import { pricedStats } from '../lib/runs/usage';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const { stats, stale } = await measuredStats(getObserver());
  return json(
    200,
    pricedStats(stats, config.modelPrices),
    stale ? { 'x-observer-stale': 'true' } : {},
  );
});
