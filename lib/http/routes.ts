/**
 * The HTTP routes serverless.yml declares, path → method: what the catch-all
 * answers 405 for (with `allow`) instead of 404. A test keeps the two equal.
 */
export const ROUTES: Readonly<Record<string, string>> = {
  '/observer/health': 'GET',
  '/observer/openapi.json': 'GET',
  '/observer/stats': 'GET',
  '/observer/stats/history': 'GET',
  '/observer/ops': 'GET',
  '/observer/failures': 'GET',
  '/observer/escalations': 'GET',
  '/observer/event': 'POST',
  '/observer/events': 'POST',
  '/observer/review': 'POST',
  '/observer/': 'GET',
};
