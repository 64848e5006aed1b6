import { HttpError } from '../lib/http/errors';
import { httpHandler } from '../lib/http/handler';

/** The methods each route takes, for a 405 that says which. */
const ROUTES: Record<string, string> = {
  '/observer/health': 'GET',
  '/observer/stats': 'GET',
  '/observer/stats/history': 'GET',
  '/observer/event': 'POST',
  '/observer/events': 'POST',
};

/** Every request no route matched: 405 for a known path, 404 otherwise. */
export const handler = httpHandler(async (event) => {
  const path = event.rawPath ?? '/';
  const method = event.requestContext?.http?.method ?? 'GET';
  const allowed = ROUTES[path];
  if (allowed !== undefined) {
    throw new HttpError(
      405,
      `${method} is not allowed on ${path}; use ${allowed}`,
      {},
      {
        allow: allowed,
      },
    );
  }
  throw new HttpError(404, `no route for ${method} ${path}`);
});
