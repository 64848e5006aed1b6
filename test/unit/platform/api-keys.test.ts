import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  apiKeyEntry,
  hashApiKey,
  keyFingerprint,
  newApiKey,
  parseApiKeys,
} from '../../../lib/platform/api-keys';
import { ConfigError, loadConfig } from '../../../lib/platform/config';
import { thrownBy } from '../../support/thrown';

const BUCKET = 'observer-data';
const INGEST_KEY = 'obs_ingest-key-for-the-tests-0123456789abcdef';
const READ_KEY = 'obs_read-key-for-the-tests-0123456789abcdefgh';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('hashApiKey and keyFingerprint', () => {
  it('hash a key as the SHA-256 hex of its UTF-8 bytes, and name it by 8 digits of that', () => {
    expect(hashApiKey(INGEST_KEY)).toBe(sha(INGEST_KEY));
    expect(keyFingerprint(hashApiKey(INGEST_KEY))).toBe(sha(INGEST_KEY).slice(0, 8));
  });
});

describe('newApiKey', () => {
  it('gives a different key each time, 256 random bits after obs_', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newApiKey()));

    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(/^obs_[A-Za-z0-9_-]{43}$/);
  });
});

describe('parseApiKeys', () => {
  it('reads entries separated by commas, spaces or newlines, hashes in lowercase', () => {
    const upper = `read:${sha(READ_KEY).toUpperCase()}`;
    const text = ` ${apiKeyEntry('ingest', INGEST_KEY)},\n${upper}\n  admin:${'A'.repeat(64)} `;

    expect(parseApiKeys(text)).toEqual({
      entries: [
        { scope: 'ingest', hash: sha(INGEST_KEY) },
        { scope: 'read', hash: sha(READ_KEY) },
        { scope: 'admin', hash: 'a'.repeat(64) },
      ],
    });
  });

  it('reads an empty list as no keys', () => {
    expect(parseApiKeys(' \n ,')).toEqual({ entries: [] });
  });

  it.each([
    ['a key instead of its entry', INGEST_KEY, /entry 2 of 2 .*no scope.*npm run key/],
    ['an unknown scope', `write:${sha(INGEST_KEY)}`, /entry 2 of 2 .*scope is not one of these/],
    ['the key after the scope', `ingest:${INGEST_KEY}`, /entry 2 of 2 .*SHA-256, not the key/],
    ['a short hash', `read:${sha(READ_KEY).slice(1)}`, /^entry 2 of 2 is not <scope>:<sha256 hex>/],
  ])('names the entry that is %s, without repeating it', (_label, bad, problem) => {
    const parsed = parseApiKeys(`${apiKeyEntry('read', READ_KEY)} ${bad}`);

    expect(parsed.entries).toBeUndefined();
    expect(parsed.problems).toEqual([expect.stringMatching(problem)]);
    expect(parsed.problems?.join(' ')).not.toContain(bad.slice(bad.indexOf(':') + 1, -1));
  });
});

describe('loadConfig: the keys', () => {
  const configError = (env: NodeJS.ProcessEnv) => thrownBy(ConfigError, () => loadConfig(env));

  it('reads OBSERVER_API_KEYS as entries, and no keys when it is unset or empty', () => {
    const keys = `${apiKeyEntry('ingest', INGEST_KEY)},${apiKeyEntry('read', READ_KEY)}`;

    expect(loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_KEYS: keys }).apiKeys).toEqual([
      { scope: 'ingest', hash: sha(INGEST_KEY) },
      { scope: 'read', hash: sha(READ_KEY) },
    ]);
    expect(loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_KEYS: '' }).apiKeys).toBeUndefined();
  });

  it('fails the start naming OBSERVER_API_KEYS and the entry, never repeating the value', () => {
    const err = configError({
      OBSERVER_BUCKET: BUCKET,
      OBSERVER_API_KEYS: `${apiKeyEntry('read', READ_KEY)},ingest:${INGEST_KEY}`,
    });

    expect(err.message).toMatch(/OBSERVER_API_KEYS: entry 2 of 2 is not/);
    expect(err.message).not.toContain(INGEST_KEY);
    expect(err.message).not.toContain(sha(READ_KEY));
  });

  it('reads OBSERVER_API_KEYS_PARAM as an SSM parameter name, and refuses it with the list', () => {
    const env = { OBSERVER_BUCKET: BUCKET, OBSERVER_API_KEYS_PARAM: '/observer/api-keys' };

    expect(loadConfig(env).apiKeysParam).toBe('/observer/api-keys');
    expect(configError({ ...env, OBSERVER_API_KEYS_PARAM: 'no spaces' }).message).toContain(
      'OBSERVER_API_KEYS_PARAM must be an SSM parameter name',
    );
    expect(
      configError({ ...env, OBSERVER_API_KEYS: apiKeyEntry('read', READ_KEY) }).message,
    ).toContain('set OBSERVER_API_KEYS or OBSERVER_API_KEYS_PARAM, not both');
  });

  it('keeps what SSM gave for 5 minutes unless OBSERVER_API_KEYS_TTL_SECONDS says otherwise', () => {
    expect(loadConfig({ OBSERVER_BUCKET: BUCKET }).credentialsTtlMs).toBe(300_000);
    expect(
      loadConfig({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_KEYS_TTL_SECONDS: '30' }).credentialsTtlMs,
    ).toBe(30_000);
    expect(
      configError({ OBSERVER_BUCKET: BUCKET, OBSERVER_API_KEYS_TTL_SECONDS: '0' }).message,
    ).toContain('OBSERVER_API_KEYS_TTL_SECONDS must be a whole number from 1 to 3600');
  });
});
