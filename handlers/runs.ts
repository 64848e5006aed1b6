import { admit, config, getObserver } from '../lib/app/runtime';
import { parseQuery } from '../lib/domain/query';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { RunsQuerySchema, runsAnswer } from '../lib/runs/run-answers';

/** GET /observer/runs: the ring's runs, the most recently received first, filtered. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const query = parseQuery(RunsQuerySchema, event.queryStringParameters);
  const { ring, stale } = await getObserver().freshRing();
  const answer = runsAnswer(ring, query, config.modelPrices);
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
