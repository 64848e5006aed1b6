import { HttpError } from '../lib/http/errors';
import { httpHandler } from '../lib/http/handler';
import { ROUTES } from '../lib/http/routes';

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
