import { opFromBody } from '../lib/api';
import { authorize, httpHandler, json, readJsonBody } from '../lib/http';
import { apiToken, getObserver, takeColdStart } from '../lib/runtime';

/** POST /observer/event: one op, acknowledged with 201 once it is in S3. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, await apiToken());
  const receivedAt = new Date();
  const op = opFromBody(readJsonBody(event), receivedAt);
  const key = await getObserver().record([op], receivedAt);
  return json(201, { ok: true, key, timestamp: op.timestamp, source: op.source });
});
