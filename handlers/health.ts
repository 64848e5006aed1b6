import { getObserver } from '../lib/app/runtime';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { type HealthAnswer, SERVICE_VERSION } from '../lib/platform/health';
import { logger } from '../lib/platform/log';

/** GET /observer/health: liveness; no S3 call. */
export const handler = httpHandler(async () => {
  const body: HealthAnswer = {
    status: 'ok',
    version: SERVICE_VERSION,
    cold_start: logger.isServingColdStart(),
    ...getObserver().status(),
  };
  return json(200, body);
});
