import { admit, getObserver } from '../lib/app/runtime';
import { parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { OpsQuerySchema, queryOps } from '../lib/ring/ops-query';

/** GET /observer/ops: the ring's ops, filtered, newest first, a page at a time. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const query = parseQuery(OpsQuerySchema, event.queryStringParameters);
  const { ring, stale } = await getObserver().freshRing();
  const page = queryOps([...ring], query);
  return json(200, page, stale ? { 'x-observer-stale': 'true' } : {});
});
