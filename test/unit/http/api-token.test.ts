import { GetParameterCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenLoader } from '../../../lib/http/auth';
import { TokenUnavailableError } from '../../../lib/http/errors';
import { captureLogs } from '../../support/logs';

const ssm = mockClient(SSMClient);
const PARAM = '/observer/test/api-token';
const TOKEN = 'a-token-kept-in-ssm-0123456789';
const fromSsm = () =>
  tokenLoader(
    { apiToken: undefined, apiTokenParam: PARAM },
    () => new SSMClient({ region: 'us-east-1' }),
  );

const secure = (value: string) => ({
  Parameter: { Name: PARAM, Type: 'SecureString' as const, Value: value },
});

afterEach(() => {
  ssm.reset();
});

describe('tokenLoader without SSM', () => {
  it('gives the configured token without calling SSM', async () => {
    const token = tokenLoader({ apiToken: TOKEN, apiTokenParam: undefined }, () => {
      throw new Error('no SSM client expected');
    });

    expect(await token()).toBe(TOKEN);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('gives undefined when no token is configured', async () => {
    const token = tokenLoader({ apiToken: undefined, apiTokenParam: undefined }, () => {
      throw new Error('no SSM client expected');
    });

    expect(await token()).toBeUndefined();
  });
});

describe('tokenLoader with an SSM parameter', () => {
  it('reads the parameter decrypted, once, and keeps it', async () => {
    ssm.on(GetParameterCommand).resolves(secure(TOKEN));
    const token = fromSsm();

    const values = [await token(), await token(), await token()];

    expect(values).toEqual([TOKEN, TOKEN, TOKEN]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: PARAM,
      WithDecryption: true,
    });
  });

  it('shares one read among calls made while it runs', async () => {
    ssm.on(GetParameterCommand).resolves(secure(TOKEN));
    const token = fromSsm();

    const values = await Promise.all([token(), token(), token()]);

    expect(values).toEqual([TOKEN, TOKEN, TOKEN]);
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
    const token = fromSsm();

    await expect(token()).rejects.toBeInstanceOf(TokenUnavailableError);
    expect(await token()).toBe(TOKEN);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it.each([
    ['an empty value', { Parameter: { Name: PARAM, Type: 'SecureString' as const, Value: '' } }],
    ['a value under 16 characters', secure('short-token')],
    ['no parameter', {}],
  ])('refuses %s, naming the parameter but not the value', async (_label, reply) => {
    ssm.on(GetParameterCommand).resolves(reply);

    const err = await fromSsm()().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TokenUnavailableError);
    expect((err as Error).message).toContain(PARAM);
    expect((err as Error).message).not.toContain('short-token');
  });

  it('trims the newline a token pasted from a file ends with', async () => {
    ssm.on(GetParameterCommand).resolves(secure(`${TOKEN}\n`));

    expect(await fromSsm()()).toBe(TOKEN);
  });

  it('warns, without the value, when the parameter is not a SecureString', async () => {
    const logs = captureLogs('warn');
    ssm
      .on(GetParameterCommand)
      .resolves({ Parameter: { Name: PARAM, Type: 'String', Value: TOKEN } });

    expect(await fromSsm()()).toBe(TOKEN);
    const warnings = logs.texts('warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('SecureString');
    expect(warnings[0]).not.toContain(TOKEN);
  });
});
