import { httpHandler, json } from '../lib/http/http';
import { historyHours } from '../lib/ingest/requests';
import { admit, getObserver } from '../lib/platform/runtime';

/** GET /observer/stats/history?hours=N: the stats snapshots of the last N hours, oldest first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const hours = historyHours(event.queryStringParameters);
  const snapshots = await getObserver().history(hours);
  return json(200, { hours, snapshots });
});
