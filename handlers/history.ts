import { admit, getStore } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { type HistoryAnswer, historyHours, readHistory } from '../lib/stats/history';

/** GET /observer/stats/history?hours=N: the stats snapshots of the last N hours, oldest first. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const hours = historyHours(event.queryStringParameters);
  const body: HistoryAnswer = {
    hours,
    snapshots: await readHistory(getStore(), hours, Date.now()),
  };
  return json(200, body);
});
