import { admit, getObserver } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { readJsonBody } from '../lib/http/request';
import { json } from '../lib/http/response';
import { countIngest } from '../lib/ingest/metrics';
import { eventAnswer, opFromBody } from '../lib/ingest/requests';

/** POST /observer/event: one op, acknowledged with 201 once it is in S3 (200 for a known id). */
export const handler = httpHandler(async (event) => {
  await admit(event, 'ingest');
  const receivedAt = new Date();
  const op = opFromBody(readJsonBody(event), receivedAt);
  const { status, body } = eventAnswer(op, await getObserver().record([op], receivedAt));
  return json(status, body);
}, countIngest);
