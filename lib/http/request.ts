import { gunzipSync } from 'node:zlib';
import { InvalidInputError } from '../domain/errors';
import { messageOf } from '../platform/log';
import { HttpError } from './errors';
import type { HttpEvent } from './response';

/** The largest request body accepted, after base64 decoding. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A header's value, whatever case the client sent its name in. */
export function header(event: HttpEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) {
    if (k.toLowerCase() === wanted) return v;
  }
  return undefined;
}

/**
 * The request body parsed as JSON: decoded from base64 when API Gateway
 * encoded it, bounded in size (413), JSON content type only (415), valid
 * JSON only (400). Members such as `__proto__` stay own data properties.
 */
export function readJsonBody(event: HttpEvent, maxBytes = MAX_BODY_BYTES): unknown {
  const contentType = header(event, 'content-type');
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    throw new HttpError(415, `content-type must be application/json, got "${contentType}"`);
  }
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf-8');
  if (body.length > maxBytes) {
    throw new HttpError(413, `request body is ${body.length} bytes; the limit is ${maxBytes}`);
  }
  if (body.length === 0) throw new HttpError(400, 'request body is empty; send one op as JSON');
  const bad = invalidUtf8Offset(body);
  if (bad >= 0) {
    throw new HttpError(400, `request body is not valid UTF-8: byte ${bad} starts no character`, {
      offset: bad,
    });
  }
  try {
    return JSON.parse(body.toString('utf-8'));
  } catch (err: unknown) {
    throw new HttpError(400, `request body is not valid JSON: ${messageOf(err)}`);
  }
}

function isJsonContentType(value: string): boolean {
  const type = value.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

/**
 * The offset of the first byte that starts no valid UTF-8 sequence (a stray
 * continuation byte, an overlong form, a surrogate, a truncated sequence),
 * or -1 when every byte is valid. Decoding such bytes would store U+FFFD in
 * their place and lose what the client sent.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return -1;
}

// The length of the valid UTF-8 sequence at `i` (RFC 3629, table 3-7 of Unicode), or 0.
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] as number;
  if (lead < 0x80) return 1;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) length = 3;
  else if (lead >= 0xf0 && lead <= 0xf4) length = 4;
  else return 0;
  if (lead === 0xe0)
    low = 0xa0; // overlong
  else if (lead === 0xed)
    high = 0x9f; // surrogates
  else if (lead === 0xf0)
    low = 0x90; // overlong
  else if (lead === 0xf4) high = 0x8f; // beyond U+10FFFF
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k];
    const lo = k === 1 ? low : 0x80;
    const hi = k === 1 ? high : 0xbf;
    if (next === undefined || next < lo || next > hi) return 0;
  }
  return length;
}

/** A request body as bytes, with the content type it was sent as. */
export interface BinaryBody {
  contentType: string | undefined;
  bytes: Buffer;
}

/**
 * The request body as bytes, for routes that read more than JSON: decoded
 * from base64 when API Gateway encoded it (it does for binary content
 * types), then gunzipped when `content-encoding: gzip` says so. At most
 * `maxBytes` as received and `maxDecodedBytes` after decompression (413),
 * no other content-encoding (415), gzip that does not inflate is a 400.
 */
export function readBinaryBody(
  event: HttpEvent,
  limits: { maxBytes: number; maxDecodedBytes: number },
): BinaryBody {
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf-8');
  if (body.length > limits.maxBytes) {
    throw new InvalidInputError(
      `request body is ${body.length} bytes; the limit is ${limits.maxBytes}`,
      {},
      'too-large',
    );
  }
  const contentType = header(event, 'content-type');
  const encoding = header(event, 'content-encoding')?.trim().toLowerCase() || 'identity';
  if (encoding === 'identity') return { contentType, bytes: body };
  if (encoding !== 'gzip') {
    throw new InvalidInputError(
      `content-encoding must be gzip or none, got "${encoding}"`,
      {},
      'unsupported-media-type',
    );
  }
  try {
    return { contentType, bytes: gunzipSync(body, { maxOutputLength: limits.maxDecodedBytes }) };
  } catch (err: unknown) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InvalidInputError(
        `request body is over ${limits.maxDecodedBytes} bytes once decompressed`,
        {},
        'too-large',
      );
    }
    throw new InvalidInputError(`request body is not valid gzip: ${messageOf(err)}`);
  }
}
