import { eventAnswer, opFromBody } from '../lib/api';
import { authorize, httpHandler, json, readJsonBody } from '../lib/http';
import { config, getObserver, takeColdStart } from '../lib/runtime';

/** POST /observer/event: one op, acknowledged with 201 once it is in S3 (200 for a known id). */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, config.apiToken);
  const receivedAt = new Date();
  const op = opFromBody(readJsonBody(event), receivedAt);
  const { status, body } = eventAnswer(op, await getObserver().record([op], receivedAt));
  return json(status, body);
});
