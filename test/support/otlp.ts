// OTLP requests as API Gateway hands them to the functions, around the
// SDK-made spans of dev/otlp-spans.ts.
import { gzipSync } from 'node:zlib';
import type { HttpEvent } from '../../lib/http/response';
import { httpEvent } from './events';

export { makeSpans, otlpBody, researchRun, type SpanPlan } from '../../dev/otlp-spans';

const MEDIA = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

/** POST /observer/otlp/v1/traces as API Gateway hands it over: binary and gzip base64-encoded. */
export function postTraces(
  body: Buffer | string,
  options: { contentType?: string; gzip?: boolean; headers?: Record<string, string> } = {},
): HttpEvent {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const sent = options.gzip ? gzipSync(bytes) : bytes;
  const contentType = options.contentType ?? MEDIA.json;
  const text = contentType.startsWith('application/json') && !options.gzip;
  return httpEvent({
    method: 'POST',
    path: '/observer/otlp/v1/traces',
    headers: {
      'content-type': contentType,
      ...(options.gzip ? { 'content-encoding': 'gzip' } : {}),
      ...options.headers,
    },
    body: text ? sent.toString('utf-8') : sent.toString('base64'),
    isBase64Encoded: !text,
  });
}

/** The media type of an encoding. */
export const mediaOf = (encoding: 'protobuf' | 'json') => MEDIA[encoding];
