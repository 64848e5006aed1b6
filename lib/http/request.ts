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
