import { historyHours } from '../lib/api';
import { authorize, httpHandler, json } from '../lib/http';
import { config, getObserver, takeColdStart } from '../lib/runtime';

/** GET /observer/stats/history?hours=N: the stats snapshots of the last N hours, oldest first. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, config.apiToken);
  const hours = historyHours(event.queryStringParameters);
  const snapshots = await getObserver().history(hours);
  return json(200, { hours, snapshots });
});
