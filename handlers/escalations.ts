import { admit, getStore } from '../lib/app/runtime';
import { escalationsQuery, listEscalations } from '../lib/failures/escalation/escalation-record';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';

/** GET /observer/escalations?limit=N: the newest escalation records, newest first. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const { limit } = escalationsQuery(event.queryStringParameters);
  return json(200, { limit, escalations: await listEscalations(getStore(), limit, Date.now()) });
});
