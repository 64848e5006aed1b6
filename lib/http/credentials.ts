import { timingSafeEqual } from 'node:crypto';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  type ApiKeyEntry,
  hashApiKey,
  keyFingerprint,
  parseApiKeys,
  SCOPES,
  type Scope,
} from '../platform/api-keys';
import type { Config } from '../platform/config';
import { CREDENTIALS_RETRY_MS, MIN_TOKEN_LENGTH } from '../platform/limits';
import { describeError, log } from '../platform/log';
import { CredentialsUnavailableError } from './errors';

/** A key the service knows: its hash and every scope listed for it. */
export interface KnownKey {
  hash: string;
  scopes: readonly Scope[];
}

/**
 * The keys a container accepts at one moment, by hash. A hash listed under
 * several scopes has all of them. `unavailable` says that a source could not
 * be read: a key not found here may be in it.
 */
export class KeyRing {
  readonly #keys = new Map<string, Set<Scope>>();
  readonly #digests: { hash: string; digest: Buffer }[] = [];

  constructor(
    entries: readonly ApiKeyEntry[],
    readonly unavailable?: CredentialsUnavailableError,
  ) {
    for (const { scope, hash } of entries) {
      const scopes = this.#keys.get(hash);
      if (scopes !== undefined) {
        scopes.add(scope);
        continue;
      }
      this.#keys.set(hash, new Set([scope]));
      this.#digests.push({ hash, digest: Buffer.from(hash, 'hex') });
    }
  }

  /**
   * The key's hash and scopes, or undefined when it is not listed. Its hash
   * is compared with every listed hash in constant time, found or not.
   */
  identify(key: string): KnownKey | undefined {
    const digest = Buffer.from(hashApiKey(key), 'hex');
    let found: string | undefined;
    for (const listed of this.#digests) {
      if (timingSafeEqual(listed.digest, digest)) found = listed.hash;
    }
    const scopes = found === undefined ? undefined : this.#keys.get(found);
    if (found === undefined || scopes === undefined) return undefined;
    return { hash: found, scopes: SCOPES.filter((s) => scopes.has(s)) };
  }
}

/** The SSM client for reading credentials: short timeouts, so a slow SSM costs a request little. */
export function createSsmClient(config: Pick<Config, 'region'>): SSMClient {
  return new SSMClient({
    region: config.region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000 },
  });
}

/**
 * The keys a container accepts, as a function of nothing: undefined when
 * no credential is configured (the service is open), else every configured
 * source together. `OBSERVER_API_TOKEN` is one admin key; the SSM parameters
 * are read on first use and again once `credentialsTtlMs` has passed.
 */
export function credentialsLoader(
  config: Pick<
    Config,
    'apiToken' | 'apiTokenParam' | 'apiKeys' | 'apiKeysParam' | 'credentialsTtlMs'
  >,
  ssm: () => SSMClient,
  now: () => number = Date.now,
): () => Promise<KeyRing | undefined> {
  const sources: (() => Promise<readonly ApiKeyEntry[]>)[] = [];
  const { apiToken, apiTokenParam, apiKeys, apiKeysParam, credentialsTtlMs: ttl } = config;
  if (apiToken !== undefined) {
    const entries = [adminEntry(apiToken)];
    sources.push(async () => entries);
  }
  if (apiTokenParam !== undefined) {
    sources.push(refreshing(() => readTokenParameter(ssm(), apiTokenParam), ttl, now));
  }
  if (apiKeys !== undefined) sources.push(async () => apiKeys);
  if (apiKeysParam !== undefined) {
    sources.push(refreshing(() => readKeysParameter(ssm(), apiKeysParam), ttl, now));
  }
  if (sources.length === 0) return async () => undefined;
  return async () => {
    const settled = await Promise.allSettled(sources.map((source) => source()));
    const entries = settled.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
    const failed = settled.find((r) => r.status === 'rejected')?.reason;
    return new KeyRing(entries, failed === undefined ? undefined : unavailable(failed));
  };
}

/**
 * A value read on first use, kept `ttlMs`, then read again by the next call
 * (which waits for it; calls meanwhile share the read). A read that fails
 * while an earlier value is held keeps that value, says so in the log, and
 * is tried again after CREDENTIALS_RETRY_MS; with nothing held yet, the call
 * fails and the next one reads again.
 */
export function refreshing<T>(
  read: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): () => Promise<T> {
  let held: { value: T; at: number } | undefined;
  let failedAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<T> | undefined;
  const reread = () =>
    read()
      .then(
        (value) => {
          held = { value, at: now() };
          failedAt = Number.NEGATIVE_INFINITY;
          return value;
        },
        (err: unknown) => {
          if (held === undefined) throw err;
          failedAt = now();
          log.error('reading credentials again failed; keeping those read before', {
            ...describeError(err),
            read_at: new Date(held.at).toISOString(),
          });
          return held.value;
        },
      )
      .finally(() => {
        reading = undefined;
      });
  return async () => {
    const t = now();
    if (held !== undefined && (t - held.at < ttlMs || t - failedAt < CREDENTIALS_RETRY_MS)) {
      return held.value;
    }
    reading ??= reread();
    return reading;
  };
}

function adminEntry(token: string): ApiKeyEntry {
  return { scope: 'admin', hash: hashApiKey(token) };
}

function unavailable(err: unknown): CredentialsUnavailableError {
  return err instanceof CredentialsUnavailableError
    ? err
    : new CredentialsUnavailableError('reading credentials failed', { cause: err });
}

async function readParameter(
  client: SSMClient,
  name: string,
  what: string,
): Promise<{ value: string; type: string | undefined }> {
  try {
    const res = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    return { value: res.Parameter?.Value ?? '', type: res.Parameter?.Type };
  } catch (err: unknown) {
    throw new CredentialsUnavailableError(`reading ${what} from SSM parameter ${name} failed`, {
      cause: err,
    });
  }
}

// The token is used as it is (an admin key); never logged, only its fingerprint.
async function readTokenParameter(client: SSMClient, name: string): Promise<ApiKeyEntry[]> {
  const { value, type } = await readParameter(client, name, 'the API token');
  // A token pasted from a file often ends in a newline.
  const token = value.trim();
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new CredentialsUnavailableError(
      `SSM parameter ${name} must hold an API token of at least ${MIN_TOKEN_LENGTH} characters`,
    );
  }
  if (type !== 'SecureString') {
    log.warn('the API token parameter is not a SecureString; store it encrypted', {
      parameter: name,
      type,
    });
  }
  const entry = adminEntry(token);
  log.info('API token read from SSM', { parameter: name, key: keyFingerprint(entry.hash) });
  return [entry];
}

// The list holds hashes: String, StringList and SecureString parameters all do.
async function readKeysParameter(client: SSMClient, name: string): Promise<ApiKeyEntry[]> {
  const { value } = await readParameter(client, name, 'the API keys');
  const parsed = parseApiKeys(value);
  if (parsed.problems !== undefined) {
    throw new CredentialsUnavailableError(
      `SSM parameter ${name} must hold a list of API keys: ${parsed.problems.join('; ')}`,
    );
  }
  log.info('API keys read from SSM', {
    parameter: name,
    keys: parsed.entries.map((e) => `${e.scope}:${keyFingerprint(e.hash)}`),
  });
  return parsed.entries;
}
