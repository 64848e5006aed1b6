import { opFromBody } from '../lib/api';
import { authorize, httpHandler, json, readJsonBody } from '../lib/http';
import { config, getObserver, takeColdStart } from '../lib/runtime';
import { countIngest } from '../lib/telemetry';

/** POST /observer/event: one op, acknowledged with 201 once it is in S3. */
export const handler = httpHandler(async (event) => {
  takeColdStart();
  authorize(event, config.apiToken);
  const receivedAt = new Date();
  const op = opFromBody(readJsonBody(event), receivedAt);
  const key = await getObserver().record([op], receivedAt);
  return json(201, { ok: true, key, timestamp: op.timestamp, source: op.source });
}, countIngest);
