import { HttpError } from '../lib/http/errors';
import { httpHandler } from '../lib/http/handler';
import { json } from '../lib/http/response';
import { allowedMethods } from '../lib/http/routes';

/**
 * Every request no route matched: a redirect to the page for its path
 * without the trailing slash (`GET /observer` → `/observer/`), 405 for a
 * known path, 404 otherwise.
 */
export const handler = httpHandler(async (event) => {
  const path = event.rawPath ?? '/';
  const method = event.requestContext?.http?.method ?? 'GET';
  if ((method === 'GET' || method === 'HEAD') && allowedMethods(`${path}/`).includes('GET')) {
    // Relative to the path itself, so it also holds behind a custom domain's base path.
    const location = `${path.slice(path.lastIndexOf('/') + 1)}/`;
    return json(308, { location }, { location });
  }
  const allowed = allowedMethods(path).join(', ');
  if (allowed !== '') {
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
