import { httpHandler, json } from '../lib/http/http';
import { getObserver, takeColdStart } from '../lib/platform/runtime';

/** The deployed version, set at build time by serverless.yml (absent in tests). */
const VERSION = process.env.OBSERVER_VERSION ?? 'dev';

/** GET /observer/health: liveness; no S3 call. */
export const handler = httpHandler(async () =>
  json(200, {
    status: 'ok',
    version: VERSION,
    cold_start: takeColdStart(),
    ...getObserver().status(),
  }),
);
