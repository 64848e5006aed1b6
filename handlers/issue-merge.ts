import { admit, callerName, getIssueReader, getObserver, getStore } from '../lib/app/runtime';
import { parseBody, parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { readJsonBody } from '../lib/http/request';
import { json } from '../lib/http/response';
import { IssueMergeRequestSchema, IssuePathSchema } from '../lib/issues/answers';
import { issueSummary, knownIssue, mergeIssue } from '../lib/issues/service';

/** POST /observer/issues/{id}/merge: later ops of the issue count to another (admin). */
export const handler = httpHandler(async (event) => {
  await admit(event, 'admin');
  const { id } = parseQuery(IssuePathSchema, event.pathParameters);
  const body = parseBody(IssueMergeRequestSchema, readJsonBody(event));
  const observer = getObserver();
  const { ring } = await observer.freshRing();
  const reader = getIssueReader();
  const view = await reader.view(ring, observer.now());
  const target = await mergeIssue(getStore(), view, id, body, callerName(event));
  const after = await reader.view(ring, observer.now());
  return json(200, { issue: issueSummary(after, knownIssue(after, target)) });
});
