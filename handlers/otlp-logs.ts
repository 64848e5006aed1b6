import { admit, getStore } from '../lib/app/runtime';
import { otlpRoute, readOtlpBody } from '../lib/http/otlp';
import { recordLogErrors } from '../lib/otlp/ingest';

/** POST /observer/otlp/v1/logs: keeps what error logs say about spans; other records are dropped. */
export const handler = otlpRoute('logs', async (event) => {
  await admit(event, 'ingest');
  const receivedAt = new Date();
  return recordLogErrors(getStore(), readOtlpBody(event), receivedAt);
});
