import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { admit, getStore } from '../lib/platform/runtime';
import { historyHours, readHistory } from '../lib/stats/history';

/** GET /observer/stats/history?hours=N: the stats snapshots of the last N hours, oldest first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const hours = historyHours(event.queryStringParameters);
  return json(200, { hours, snapshots: await readHistory(getStore(), hours, Date.now()) });
});
