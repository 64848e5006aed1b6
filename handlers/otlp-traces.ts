import { admit, getObserver } from '../lib/app/runtime';
import { otlpRoute, readOtlpBody } from '../lib/http/otlp';
import { recordTraces } from '../lib/otlp/ingest';

/** POST /observer/otlp/v1/traces: OTLP/HTTP spans (protobuf or JSON), as ops in one S3 object. */
export const handler = otlpRoute('traces', async (event) => {
  await admit(event, 'ingest');
  const receivedAt = new Date();
  return recordTraces(getObserver(), readOtlpBody(event), receivedAt);
});
