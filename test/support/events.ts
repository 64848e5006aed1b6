import type { HttpEvent } from '../../lib/http/response';

/** An API Gateway HTTP API (payload 2.0) event, as the Lambda receives it. */
export function httpEvent(
  options: {
    method?: string;
    path?: string;
    body?: string;
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
    query?: Record<string, string>;
  } = {},
): HttpEvent {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/observer/health';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: options.headers ?? {},
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: 'req',
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: '24/Nov/2026:21:00:00 +0000',
      timeEpoch: 0,
    },
    isBase64Encoded: options.isBase64Encoded ?? false,
    ...(options.body !== undefined ? { body: options.body } : {}),
  };
}

/** POST /observer/event with a JSON body. */
export function postOp(op: unknown, headers: Record<string, string> = {}): HttpEvent {
  return httpEvent({
    method: 'POST',
    path: '/observer/event',
    body: JSON.stringify(op),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** POST /observer/events with a JSON body (a string is sent as it is). */
export function postBatch(body: unknown): HttpEvent {
  return httpEvent({
    method: 'POST',
    path: '/observer/events',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

/** GET /observer/stats. */
export function getStats(headers: Record<string, string> = {}): HttpEvent {
  return httpEvent({ method: 'GET', path: '/observer/stats', headers });
}

/** The parsed JSON body of a handler's response. */
export function bodyOf(res: { body?: string }): Record<string, unknown> {
  return JSON.parse(res.body ?? 'null') as Record<string, unknown>;
}
