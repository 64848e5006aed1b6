import { admit, callerName, getIssueReader, getObserver, getStore } from '../lib/app/runtime';
import { parseBody, parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { readJsonBody } from '../lib/http/request';
import { json } from '../lib/http/response';
import { IssuePathSchema, IssueStatusRequestSchema } from '../lib/issues/answers';
import { issueSummary, knownIssue, setStatus } from '../lib/issues/service';

/** POST /observer/issues/{id}: a person resolves, mutes or unresolves an issue (admin). */
export const handler = httpHandler(async (event) => {
  await admit(event, 'admin');
  const { id } = parseQuery(IssuePathSchema, event.pathParameters);
  const body = parseBody(IssueStatusRequestSchema, readJsonBody(event));
  const observer = getObserver();
  const { ring } = await observer.freshRing();
  const reader = getIssueReader();
  await setStatus(getStore(), await reader.view(ring, observer.now()), id, body, callerName(event));
  const view = await reader.view(ring, observer.now());
  return json(200, { issue: issueSummary(view, knownIssue(view, id)) });
});
