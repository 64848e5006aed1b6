import { eventAnswer, opFromBody } from '../lib/api';
import { httpHandler, json, readJsonBody } from '../lib/http';
import { admit, getObserver } from '../lib/runtime';
import { countIngest } from '../lib/telemetry';

/** POST /observer/event: one op, acknowledged with 201 once it is in S3 (200 for a known id). */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const receivedAt = new Date();
  const op = opFromBody(readJsonBody(event), receivedAt);
  const { status, body } = eventAnswer(op, await getObserver().record([op], receivedAt));
  return json(status, body);
}, countIngest);
