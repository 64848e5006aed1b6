import { InvalidInputError } from '../domain/errors';
import { statusCode } from '../otlp/answers';
import {
  encodeResponse,
  encodeStatus,
  encodingOf,
  type OtlpEncoding,
  type OtlpSignal,
  type PartialSuccess,
} from '../otlp/codec';
import { toResponse } from './errors';
import { httpHandler } from './handler';
import { header, readBinaryBody } from './request';
import { binary, type HttpEvent, type HttpResult } from './response';

/** What an OTLP request may hold: as received, and once decompressed. */
export const OTLP_LIMITS = { maxBytes: 4 * 1024 * 1024, maxDecodedBytes: 16 * 1024 * 1024 };

const MEDIA: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** An OTLP request's body: its encoding (415 for another content type) and its bytes, inflated. */
export function readOtlpBody(event: HttpEvent): { encoding: OtlpEncoding; bytes: Buffer } {
  const encoding = encodingOf(header(event, 'content-type'));
  return { encoding, bytes: readBinaryBody(event, OTLP_LIMITS).bytes };
}

/**
 * An OTLP/HTTP route: `fn` handles the request and says what it refused;
 * the answer is the service's Export response, and any failure a
 * google.rpc.Status with the status toResponse gives it, both in the
 * request's encoding (JSON when its content type is neither).
 */
export function otlpRoute(
  signal: OtlpSignal,
  fn: (event: HttpEvent) => Promise<PartialSuccess | undefined>,
): (event: HttpEvent) => Promise<HttpResult> {
  return httpHandler(async (event) => {
    let encoding: OtlpEncoding = 'json';
    try {
      encoding = encodingOf(header(event, 'content-type'));
    } catch (err: unknown) {
      if (!(err instanceof InvalidInputError)) throw err;
    }
    try {
      const partial = await fn(event);
      return otlpResult(200, encodeResponse(signal, encoding, partial), encoding);
    } catch (err: unknown) {
      return otlpFailure(err, encoding);
    }
  });
}

/** The answer toResponse gives `err`, its body as a google.rpc.Status in the encoding. */
export function otlpFailure(err: unknown, encoding: OtlpEncoding): HttpResult {
  const res = toResponse(err);
  const status = res.statusCode ?? 500;
  const said = JSON.parse(res.body ?? '{}') as { error?: unknown };
  const message = typeof said.error === 'string' ? said.error : 'internal error';
  const { 'content-type': _json, ...headers } = (res.headers ?? {}) as Record<string, string>;
  return otlpResult(status, encodeStatus(encoding, statusCode(status), message), encoding, headers);
}

// JSON goes out as text, protobuf as base64 (API Gateway decodes it).
function otlpResult(
  status: number,
  bytes: Buffer,
  encoding: OtlpEncoding,
  headers: Record<string, string> = {},
): HttpResult {
  const res = binary(status, bytes, MEDIA[encoding], headers);
  return encoding === 'json'
    ? { ...res, body: bytes.toString('utf-8'), isBase64Encoded: false }
    : res;
}
