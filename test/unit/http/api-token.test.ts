import { GetParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsLoader, type KeyRing } from '../../../lib/http/credentials';
import { CredentialsUnavailableError } from '../../../lib/http/errors';
import { captureLogs } from '../../support/logs';

// OBSERVER_API_TOKEN and OBSERVER_API_TOKEN_PARAM: one admin key, as it is or from SSM.

const ssm = mockClient(SSMClient);
const PARAM = '/observer/test/api-token';
const TOKEN = 'a-token-kept-in-ssm-0123456789';
const NO_SSM = () => {
  throw new Error('no SSM client expected');
};
const settings = {
  apiToken: undefined,
  apiTokenParam: undefined,
  apiKeys: undefined,
  apiKeysParam: undefined,
  credentialsTtlMs: 300_000,
};
const fromSsm = () =>
  credentialsLoader(
    { ...settings, apiTokenParam: PARAM },
    () => new SSMClient({ region: 'us-east-1' }),
  );

const secure = (value: string) => ({
  Parameter: { Name: PARAM, Type: 'SecureString' as const, Value: value },
});

/** The scopes the loaded keys give `key`, or undefined when it is not one of them. */
async function scopesOf(load: () => Promise<KeyRing | undefined>, key: string) {
  const ring = await load();
  if (ring?.unavailable !== undefined) throw ring.unavailable;
  return ring?.identify(key)?.scopes;
}

afterEach(() => {
  ssm.reset();
});

describe('the token without SSM', () => {
  it('is an admin key, without calling SSM', async () => {
    const load = credentialsLoader({ ...settings, apiToken: TOKEN }, NO_SSM);

    expect(await scopesOf(load, TOKEN)).toEqual(['admin']);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('leaves the service open when no token and no key is configured', async () => {
    expect(await credentialsLoader(settings, NO_SSM)()).toBeUndefined();
  });
});

describe('the token in an SSM parameter', () => {
  it('reads the parameter decrypted, once, and keeps it', async () => {
    ssm.on(GetParameterCommand).resolves(secure(TOKEN));
    const load = fromSsm();

    const values = [
      await scopesOf(load, TOKEN),
      await scopesOf(load, TOKEN),
      await scopesOf(load, TOKEN),
    ];

    expect(values).toEqual([['admin'], ['admin'], ['admin']]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: PARAM,
      WithDecryption: true,
    });
  });

  it('shares one read among calls made while it runs', async () => {
    ssm.on(GetParameterCommand).resolves(secure(TOKEN));
    const load = fromSsm();

    const values = await Promise.all([
      scopesOf(load, TOKEN),
      scopesOf(load, TOKEN),
      scopesOf(load, TOKEN),
    ]);

    expect(values).toEqual([['admin'], ['admin'], ['admin']]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('forgets a failed read, so the next call reads again', async () => {
    captureLogs('info');
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(
        new SSMServiceException({
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
          message: 'Rate exceeded',
        }),
      )
      .resolves(secure(TOKEN));
    const load = fromSsm();

    await expect(scopesOf(load, TOKEN)).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(await scopesOf(load, TOKEN)).toEqual(['admin']);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it.each([
    ['an empty value', { Parameter: { Name: PARAM, Type: 'SecureString' as const, Value: '' } }],
    ['a value under 16 characters', secure('short-token')],
    ['no parameter', {}],
  ])('refuses %s, naming the parameter but not the value', async (_label, reply) => {
    ssm.on(GetParameterCommand).resolves(reply);

    const err = await scopesOf(fromSsm(), TOKEN).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(CredentialsUnavailableError);
    expect((err as Error).message).toContain(PARAM);
    expect((err as Error).message).not.toContain('short-token');
  });

  it('trims the newline a token pasted from a file ends with', async () => {
    ssm.on(GetParameterCommand).resolves(secure(`${TOKEN}\n`));

    expect(await scopesOf(fromSsm(), TOKEN)).toEqual(['admin']);
  });

  it('warns, without the value, when the parameter is not a SecureString', async () => {
    const logs = captureLogs('warn');
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: PARAM, Type: 'String', Value: TOKEN } });

    expect(await scopesOf(fromSsm(), TOKEN)).toEqual(['admin']);
    const warnings = logs.texts('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('SecureString');
    expect(warnings[0]).not.toContain(TOKEN);
  });
});
