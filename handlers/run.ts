import { admit, config, getObserver, getStore } from '../lib/app/runtime';
import { InvalidInputError } from '../lib/domain/errors';
import { RUN_ID_PATTERN } from '../lib/domain/op';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { receivedAt } from '../lib/ring/ops-query';
import { runAnswer } from '../lib/runs/run-answers';
import { spanErrorsOf } from '../lib/runs/span-errors';

/** GET /observer/runs/{trace_id}: one run, its ops in start order, its outcome and tokens. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const traceId = event.pathParameters?.trace_id ?? '';
  if (!RUN_ID_PATTERN.test(traceId)) {
    throw new InvalidInputError(
      `invalid run id "${traceId.slice(0, 200)}": a trace_id is 1 to 128 letters, digits and . _ : -`,
    );
  }
  const [{ ring, stale }, spanErrors] = await Promise.all([
    getObserver().freshRing(),
    spanErrorsOf(getStore(), traceId),
  ]);
  const oldest = ring.oldest();
  const edge = { full: ring.size >= ring.cap, oldest: oldest && receivedAt(oldest) };
  const answer = runAnswer(ring, traceId, { edge, prices: config.modelPrices, spanErrors });
  return json(200, answer, stale ? { 'x-observer-stale': 'true' } : {});
});
