import { FailuresQuerySchema, failuresAnswer } from '../lib/failures/answer';
import { httpHandler } from '../lib/http/handler';
import { parseQuery } from '../lib/http/query';
import { json } from '../lib/http/response';
import { admit, getObserver } from '../lib/platform/runtime';

/** GET /observer/failures?limit=N: the ring's failed ops in clusters, most ops first. */
export const handler = httpHandler(async (event) => {
  await admit(event);
  const { limit } = parseQuery(FailuresQuerySchema, event.queryStringParameters);
  const observer = getObserver();
  const { ring, stale } = await observer.freshRing();
  const answer = failuresAnswer(ring, observer.now(), limit);
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
