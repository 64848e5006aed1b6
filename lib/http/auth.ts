import { keyFingerprint, type Scope } from '../platform/api-keys';
import { noteCaller } from './caller';
import type { KeyRing } from './credentials';
import { type ForbiddenAnswer, HttpError } from './errors';
import { header } from './request';
import type { HttpEvent } from './response';

const REALM = 'Bearer realm="observer"';

/**
 * Lets the request in when its `Authorization: Bearer <key>` is a key with
 * `scope` (or admin); does nothing when no key is configured. A missing or
 * unknown key is a 401, a known key without the scope a 403 naming the scope
 * needed, and a key not found while a source of keys cannot be read a 503.
 */
export function authorize(event: HttpEvent, keys: KeyRing | undefined, scope: Scope): void {
  if (keys === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(header(event, 'authorization') ?? '')?.[1]?.trim();
  if (given === undefined) {
    throw new HttpError(
      401,
      'missing bearer token: send Authorization: Bearer <token>',
      {},
      { 'www-authenticate': REALM },
    );
  }
  const key = keys.identify(given);
  if (key === undefined) {
    if (keys.unavailable !== undefined) throw keys.unavailable;
    throw new HttpError(
      401,
      'invalid bearer token',
      {},
      { 'www-authenticate': `${REALM}, error="invalid_token"` },
    );
  }
  noteCaller(event, keyFingerprint(key.hash));
  if (key.scopes.includes(scope) || key.scopes.includes('admin')) return;
  const route = `${event.requestContext?.http?.method ?? ''} ${event.rawPath ?? ''}`;
  const held =
    key.scopes.length === 1
      ? `this key's scope is ${key.scopes[0]}`
      : `this key's scopes are ${key.scopes.join(' and ')}`;
  const details: Omit<ForbiddenAnswer, 'error'> = { scope_needed: scope };
  throw new HttpError(403, `${held}; ${route} needs ${scope}`, details, {
    'www-authenticate': `${REALM}, error="insufficient_scope", scope="${scope}"`,
  });
}
