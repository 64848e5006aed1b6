import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsLoader, type KeyRing, refreshing } from '../../../lib/http/credentials';
import { CredentialsUnavailableError } from '../../../lib/http/errors';
import { apiKeyEntry, hashApiKey, type Scope } from '../../../lib/platform/api-keys';
import { CREDENTIALS_RETRY_MS } from '../../../lib/platform/limits';
import { captureLogs } from '../../support/logs';

// OBSERVER_API_KEYS and OBSERVER_API_KEYS_PARAM: keys with scopes, from the
// environment or from SSM, read again after the TTL.

const ssm = mockClient(SSMClient);
const PARAM = '/observer/test/api-keys';
const TTL = 300_000;
const OLD = 'obs_old-ingest-key-0123456789abcdefghijklmnop';
const NEW = 'obs_new-ingest-key-0123456789abcdefghijklmnop';
const READER = 'obs_reader-key-0123456789abcdefghijklmnopqrst';
const TOKEN = 'the-service-token-0123456789';
const settings = {
  apiToken: undefined,
  apiTokenParam: undefined,
  apiKeys: undefined,
  apiKeysParam: undefined,
  credentialsTtlMs: TTL,
};
const entry = (scope: Scope, key: string) => ({ scope, hash: hashApiKey(key) });

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** The SSM parameter holds this list (of entries), as a String parameter. */
function listInSsm(...entries: string[]): void {
  ssm
    .on(GetParameterCommand)
    .resolves({ Parameter: { Name: PARAM, Type: 'String', Value: entries.join('\n') } });
}

const fromSsm = (now: () => number) =>
  credentialsLoader(
    { ...settings, apiKeysParam: PARAM },
    () => new SSMClient({ region: 'us-east-1' }),
    now,
  );

/** The scopes the loaded keys give `key` (undefined: not one of them); throws when a source is down. */
async function scopesOf(load: () => Promise<KeyRing | undefined>, key: string) {
  const ring = await load();
  const found = ring?.identify(key);
  if (found === undefined && ring?.unavailable !== undefined) throw ring.unavailable;
  return found?.scopes;
}

afterEach(() => {
  ssm.reset();
});

describe('keys from OBSERVER_API_KEYS', () => {
  it('gives each key its scope, and with the token an admin key beside them', async () => {
    const load = credentialsLoader(
      { ...settings, apiToken: TOKEN, apiKeys: [entry('ingest', OLD), entry('read', READER)] },
      () => {
        throw new Error('no SSM client expected');
      },
    );

    expect(await scopesOf(load, OLD)).toEqual(['ingest']);
    expect(await scopesOf(load, READER)).toEqual(['read']);
    expect(await scopesOf(load, TOKEN)).toEqual(['admin']);
    expect(await scopesOf(load, NEW)).toBeUndefined();
  });

  it('keeps the service closed when the list is empty', async () => {
    const ring = await credentialsLoader({ ...settings, apiKeys: [] }, () => new SSMClient({}))();

    expect(ring).toBeDefined();
    expect(ring?.identify(OLD)).toBeUndefined();
  });
});

describe('keys from OBSERVER_API_KEYS_PARAM', () => {
  it('reads the list once, logging each key by scope and fingerprint only', async () => {
    const logs = captureLogs('info');
    listInSsm(apiKeyEntry('ingest', OLD), apiKeyEntry('read', READER));
    const load = fromSsm(clock().now);

    expect(await scopesOf(load, OLD)).toEqual(['ingest']);
    expect(await scopesOf(load, READER)).toEqual(['read']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    const [read] = logs.logLines('API keys read from SSM');
    expect(read?.keys).toEqual([
      `ingest:${hashApiKey(OLD).slice(0, 8)}`,
      `read:${hashApiKey(READER).slice(0, 8)}`,
    ]);
    expect(logs.texts().join('\n')).not.toContain(hashApiKey(OLD).slice(0, 9));
  });

  it('reads a StringList parameter, whose entries are separated by commas', async () => {
    ssm.on(GetParameterCommand).resolves({
      Parameter: {
        Name: PARAM,
        Type: 'StringList',
        Value: `${apiKeyEntry('ingest', OLD)},${apiKeyEntry('read', READER)}`,
      },
    });

    expect(await scopesOf(fromSsm(clock().now), READER)).toEqual(['read']);
  });

  it('reads the list again once the TTL has passed: a key added works, a key removed does not', async () => {
    captureLogs('info');
    const time = clock();
    listInSsm(apiKeyEntry('ingest', OLD));
    const load = fromSsm(time.now);
    expect(await scopesOf(load, OLD)).toEqual(['ingest']);

    listInSsm(apiKeyEntry('ingest', NEW));
    time.advance(TTL - 1);
    expect(await scopesOf(load, OLD)).toEqual(['ingest']);
    expect(await scopesOf(load, NEW)).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);

    time.advance(1);
    expect(await scopesOf(load, NEW)).toEqual(['ingest']);
    expect(await scopesOf(load, OLD)).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1 + 1);
  });

  it('refuses a list with a bad entry, naming the parameter and entry but not the value', async () => {
    captureLogs('error');
    listInSsm(apiKeyEntry('read', READER), `ingest:${OLD}`);

    const err = await scopesOf(fromSsm(clock().now), READER).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as Error).message).toMatch(
      /SSM parameter \/observer\/test\/api-keys .*entry 2 of 2/,
    );
    expect((err as Error).message).not.toContain(OLD);
  });
});

describe('when SSM fails to give the list again', () => {
  it('keeps the list read before, says so, and tries again after a pause', async () => {
    const logs = captureLogs('info', 'error');
    const time = clock();
    listInSsm(apiKeyEntry('ingest', OLD));
    const load = fromSsm(time.now);
    await scopesOf(load, OLD);

    ssm.on(GetParameterCommand).rejects(new Error('connect ETIMEDOUT'));
    time.advance(TTL);
    expect(await scopesOf(load, OLD)).toEqual(['ingest']);
    expect(
      logs.logLines('reading credentials again failed; keeping those read before'),
    ).toHaveLength(1);

    time.advance(CREDENTIALS_RETRY_MS - 1);
    expect(await scopesOf(load, OLD)).toEqual(['ingest']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);

    listInSsm(apiKeyEntry('ingest', NEW));
    time.advance(1);
    expect(await scopesOf(load, NEW)).toEqual(['ingest']);
    expect(await scopesOf(load, OLD)).toBeUndefined();
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(3);
  });

  it('lets in a key from another source, and answers unavailable for one it cannot find', async () => {
    captureLogs('error');
    ssm.on(GetParameterCommand).rejects(new Error('AccessDeniedException'));
    const load = credentialsLoader(
      { ...settings, apiToken: TOKEN, apiKeysParam: PARAM },
      () => new SSMClient({ region: 'us-east-1' }),
    );

    expect(await scopesOf(load, TOKEN)).toEqual(['admin']);
    await expect(scopesOf(load, OLD)).rejects.toBeInstanceOf(CredentialsUnavailableError);
  });
});

describe('refreshing', () => {
  it('shares one read among the calls that arrive while it runs, after the TTL too', async () => {
    const time = clock();
    let reads = 0;
    const value = refreshing(async () => ++reads, 1000, time.now);

    expect(await Promise.all([value(), value(), value()])).toEqual([1, 1, 1]);
    time.advance(1000);
    expect(await Promise.all([value(), value()])).toEqual([2, 2]);
    expect(reads).toBe(2);
  });
});
