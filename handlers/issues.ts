import { admit, getIssueReader, getObserver } from '../lib/app/runtime';
import { parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { IssuesQuerySchema } from '../lib/issues/answers';
import { listIssues } from '../lib/issues/view';

/** GET /observer/issues: the issues, filtered, sorted, a page at a time. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const query = parseQuery(IssuesQuerySchema, event.queryStringParameters);
  const observer = getObserver();
  const { ring, stale } = await observer.freshRing();
  const now = observer.now();
  const view = await getIssueReader().view(ring, now);
  const answer = { generated_at: new Date(now).toISOString(), ...listIssues(view, query) };
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
