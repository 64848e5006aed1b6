import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type Config, MIN_TOKEN_LENGTH } from '../platform/config';
import { log } from '../platform/log';

/** The API token could not be read: nobody is let in, and the client may retry. */
export class TokenUnavailableError extends Error {
  override name = 'TokenUnavailableError';
}

/** The SSM client for reading the token: short timeouts, so a slow SSM costs a request little. */
export function createSsmClient(config: Pick<Config, 'region'>): SSMClient {
  return new SSMClient({
    region: config.region,
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 3_000 },
  });
}

/**
 * The API token as a function of nothing: the configured value as it is, or
 * the SSM parameter's (a SecureString, decrypted) read on first use and kept
 * for the container's life. The read is a memoized promise that is forgotten
 * when it fails, so the next request tries again. The value is never logged.
 */
export function tokenLoader(
  config: Pick<Config, 'apiToken' | 'apiTokenParam'>,
  ssm: () => SSMClient,
): () => Promise<string | undefined> {
  const parameter = config.apiTokenParam;
  if (parameter === undefined) {
    const token = config.apiToken;
    return async () => token;
  }
  let loading: Promise<string> | undefined;
  return () => {
    loading ??= readTokenParameter(ssm(), parameter).catch((err: unknown) => {
      loading = undefined;
      throw err;
    });
    return loading;
  };
}

async function readTokenParameter(client: SSMClient, name: string): Promise<string> {
  let value: string | undefined;
  let type: string | undefined;
  try {
    const res = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    value = res.Parameter?.Value;
    type = res.Parameter?.Type;
  } catch (err: unknown) {
    throw new TokenUnavailableError(`reading the API token from SSM parameter ${name} failed`, {
      cause: err,
    });
  }
  // A token pasted from a file often ends in a newline.
  const token = value?.trim() ?? '';
  if (token.length < MIN_TOKEN_LENGTH) {
    throw new TokenUnavailableError(
      `SSM parameter ${name} must hold an API token of at least ${MIN_TOKEN_LENGTH} characters`,
    );
  }
  if (type !== 'SecureString') {
    log.warn('the API token parameter is not a SecureString; store it encrypted', {
      parameter: name,
      type,
    });
  }
  log.info('API token read from SSM', { parameter: name });
  return token;
}
