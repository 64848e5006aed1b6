import { admit, getIssueReader, getObserver, getStore } from '../lib/app/runtime';
import { parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { IssuePathSchema, IssueQuerySchema } from '../lib/issues/answers';
import { issueAnswer } from '../lib/issues/service';

/** GET /observer/issues/{id}: one issue, its trend, breakdowns, samples and escalations. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const { id } = parseQuery(IssuePathSchema, event.pathParameters);
  const { hours } = parseQuery(IssueQuerySchema, event.queryStringParameters);
  const observer = getObserver();
  const { ring, stale } = await observer.freshRing();
  const view = await getIssueReader().view(ring, observer.now());
  const answer = await issueAnswer(view, id, hours, { store: getStore(), entries: ring });
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
