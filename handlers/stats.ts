import { authorize, httpHandler, json } from '../lib/http';
import { config, getObserver, takeColdStart } from '../lib/runtime';

/** GET /observer/stats: aggregates over the ring, refreshed from S3 first. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, config.apiToken);
  return json(200, await getObserver().stats());
});
