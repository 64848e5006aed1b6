import { performance } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { log } from '../platform/log';
import { withTelemetry } from '../platform/metrics';
import { callerOf } from './caller';
import { toResponse } from './errors';
import type { HttpEvent, HttpResult } from './response';

/**
 * Wraps a handler so that whatever it throws becomes a JSON response, logs
 * one line per request (method, path, status, ms, and the fingerprint of the
 * key when it is a known one) and publishes the request's metrics.
 * `onAnswer` sees every answer and what was thrown, if anything.
 */
export function httpHandler(
  fn: (event: HttpEvent) => Promise<HttpResult>,
  onAnswer?: (res: HttpResult, err: unknown) => void,
): (event: HttpEvent, context?: Context) => Promise<HttpResult> {
  return withTelemetry(async (event: HttpEvent, _context?: Context) => {
    const started = performance.now();
    let res: HttpResult;
    let thrown: unknown;
    try {
      res = await fn(event);
    } catch (err: unknown) {
      thrown = err;
      res = toResponse(err);
    }
    onAnswer?.(res, thrown);
    const key = callerOf(event);
    log.info('request', {
      method: event.requestContext?.http?.method,
      path: event.rawPath,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
      ...(key === undefined ? {} : { key }),
    });
    return res;
  });
}
