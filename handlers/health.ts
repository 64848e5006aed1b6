import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { logger } from '../lib/platform/log';
import { getObserver } from '../lib/platform/runtime';

/** The deployed version, set at build time by serverless.yml (absent in tests). */
const VERSION = process.env.OBSERVER_VERSION ?? 'dev';

/** GET /observer/health: liveness; no S3 call. */
export const handler = httpHandler(async () =>
  json(200, {
    status: 'ok',
    version: VERSION,
    cold_start: logger.isServingColdStart(),
    ...getObserver().status(),
  }),
);
