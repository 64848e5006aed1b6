import { admit, getObserver } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { readJsonBody } from '../lib/http/request';
import { json } from '../lib/http/response';
import { countBatch, countBatchFailure } from '../lib/ingest/metrics';
import { batchAnswer, opsFromBatchBody } from '../lib/ingest/requests';

/** POST /observer/events: up to 500 ops, written as one segment; 201, or 207 with per-op results. */
export const handler = httpHandler(async (event) => {
  await admit(event, 'ingest');
  const receivedAt = new Date();
  const { valid, rejected } = opsFromBatchBody(readJsonBody(event), receivedAt);
  const result = await getObserver().record(
    valid.map((v) => v.op),
    receivedAt,
  );
  countBatch(result.duplicate.filter((d) => !d).length, rejected);
  const { status, body } = batchAnswer(valid, rejected, result);
  return json(status, body);
}, countBatchFailure);
