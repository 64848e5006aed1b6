import { admit, getObserver } from '../lib/app/runtime';
import { parseQuery } from '../lib/domain/query';
import { FailuresQuerySchema, failuresAnswer } from '../lib/failures/clustering/answer';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';

/** GET /observer/failures?limit=N: the ring's failed ops in clusters, most ops first. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const { limit } = parseQuery(FailuresQuerySchema, event.queryStringParameters);
  const observer = getObserver();
  const { ring, stale } = await observer.freshRing();
  const answer = failuresAnswer(ring, observer.now(), limit);
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
