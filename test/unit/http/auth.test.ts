import { describe, expect, it } from 'vitest';
import { authorize } from '../../../lib/http/auth';
import { callerOf } from '../../../lib/http/caller';
import { KeyRing } from '../../../lib/http/credentials';
import { CredentialsUnavailableError, HttpError, toResponse } from '../../../lib/http/errors';
import type { HttpEvent } from '../../../lib/http/response';
import { type ApiKeyEntry, hashApiKey, type Scope } from '../../../lib/platform/api-keys';
import { bodyOf, httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { thrownBy } from '../../support/thrown';

const TOKEN = 'a-secret-token-0123456789';
const KEYS: Record<Scope, string> = {
  ingest: 'obs_ingest-key-0123456789abcdefghijklmnopqrs',
  read: 'obs_read-key-0123456789abcdefghijklmnopqrstuv',
  admin: 'obs_admin-key-0123456789abcdefghijklmnopqrstu',
};
const entry = (scope: Scope, key: string): ApiKeyEntry => ({ scope, hash: hashApiKey(key) });
const RING = new KeyRing([
  entry('admin', TOKEN),
  ...Object.entries(KEYS).map(([scope, key]) => entry(scope as Scope, key)),
]);

/** The HttpError a call throws; fails the test when it throws nothing or something else. */
const httpErrorOf = (fn: () => unknown) => thrownBy(HttpError, fn);
const withAuth = (value: string, path = '/observer/stats', method = 'GET'): HttpEvent =>
  httpEvent({ method, path, headers: { authorization: value } });

describe('authorize: who the caller is', () => {
  it('lets every request through when no key is configured', () => {
    expect(() => authorize(httpEvent(), undefined, 'admin')).not.toThrow();
  });

  it('answers 401 with a Bearer challenge when the header is missing', () => {
    const res = toResponse(httpErrorOf(() => authorize(httpEvent(), RING, 'read')));

    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toBe('Bearer realm="observer"');
    expect(bodyOf(res).error).toEqual(expect.any(String));
  });

  it.each([
    ['a wrong token', `Bearer not-the-${TOKEN}`],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token plus more', `Bearer ${TOKEN}x`],
    ['a key with one character changed', `Bearer ${KEYS.read.slice(0, -1)}x`],
    ['another scheme', `Basic ${TOKEN}`],
    ['the token without a scheme', TOKEN],
    ['an empty bearer', 'Bearer '],
    ['a hash instead of the key', `Bearer ${hashApiKey(KEYS.admin)}`],
  ])('answers 401 for %s', (_label, value) => {
    const err = httpErrorOf(() => authorize(withAuth(value), RING, 'read'));

    expect(err.status).toBe(401);
    expect(err.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer   ${TOKEN}  `])(
    'lets through the right token sent as "%s"',
    (value) => {
      expect(() => authorize(withAuth(value), RING, 'admin')).not.toThrow();
    },
  );

  it('reads the authorization header whatever the case of its name', () => {
    const event = httpEvent({ headers: { Authorization: `Bearer ${KEYS.read}` } });

    expect(() => authorize(event, RING, 'read')).not.toThrow();
  });

  it('notes the fingerprint of a known key for the log line, and nothing for an unknown one', () => {
    const known = withAuth(`Bearer ${KEYS.ingest}`);
    const unknown = withAuth('Bearer obs_nobody-0123456789');

    expect(() => authorize(known, RING, 'read')).toThrow(HttpError);
    expect(() => authorize(unknown, RING, 'read')).toThrow(HttpError);

    expect(callerOf(known)).toBe(hashApiKey(KEYS.ingest).slice(0, 8));
    expect(callerOf(unknown)).toBeUndefined();
  });
});

describe('authorize: scopes', () => {
  const allowed: [Scope, Scope, boolean][] = [
    ['ingest', 'ingest', true],
    ['ingest', 'read', false],
    ['ingest', 'admin', false],
    ['read', 'ingest', false],
    ['read', 'read', true],
    ['read', 'admin', false],
    ['admin', 'ingest', true],
    ['admin', 'read', true],
    ['admin', 'admin', true],
  ];

  it.each(allowed)('a %s key on a route that needs %s: allowed %s', (held, needed, ok) => {
    const event = withAuth(`Bearer ${KEYS[held]}`);

    if (ok) expect(() => authorize(event, RING, needed)).not.toThrow();
    else expect(httpErrorOf(() => authorize(event, RING, needed)).status).toBe(403);
  });

  it('answers 403 naming the scope held, the route and the scope it needs', () => {
    const event = withAuth(`Bearer ${KEYS.read}`, '/observer/event', 'POST');

    const res = toResponse(httpErrorOf(() => authorize(event, RING, 'ingest')));

    expect(res.statusCode).toBe(403);
    expect(bodyOf(res)).toEqual({
      error: "this key's scope is read; POST /observer/event needs ingest",
      scope_needed: 'ingest',
    });
    expect(res.headers?.['www-authenticate']).toBe(
      'Bearer realm="observer", error="insufficient_scope", scope="ingest"',
    );
    expect(res.body).not.toContain(KEYS.read);
  });

  it('gives a key listed under two scopes both of them', () => {
    const both = 'obs_both-0123456789abcdefghijklmnopqrstuvwxyz';
    const ring = new KeyRing([entry('ingest', both), entry('read', both), entry('read', both)]);
    const event = withAuth(`Bearer ${both}`, '/observer/issues/1', 'PATCH');

    expect(() => authorize(event, ring, 'ingest')).not.toThrow();
    expect(() => authorize(event, ring, 'read')).not.toThrow();
    expect(httpErrorOf(() => authorize(event, ring, 'admin')).message).toBe(
      "this key's scopes are ingest and read; PATCH /observer/issues/1 needs admin",
    );
  });
});

describe('authorize: keys that cannot all be read', () => {
  const down = new CredentialsUnavailableError('reading the API keys from SSM failed');
  const partial = new KeyRing([entry('read', KEYS.read)], down);

  it('lets in a key found among the keys that were read', () => {
    expect(() => authorize(withAuth(`Bearer ${KEYS.read}`), partial, 'read')).not.toThrow();
  });

  it('answers 503 for a key not found, since it may be among the others', () => {
    captureLogs('error');
    const thrown = (() => {
      try {
        authorize(withAuth(`Bearer ${KEYS.ingest}`), partial, 'ingest');
      } catch (err: unknown) {
        return err;
      }
    })();

    expect(thrown).toBe(down);
    expect(toResponse(thrown).statusCode).toBe(503);
  });

  it('still answers 401 to a request without a key', () => {
    expect(httpErrorOf(() => authorize(httpEvent(), partial, 'read')).status).toBe(401);
  });
});
