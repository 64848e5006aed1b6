import { createHash, timingSafeEqual } from 'node:crypto';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Config } from '../platform/config';
import { MIN_TOKEN_LENGTH } from '../platform/limits';
import { log } from '../platform/log';
import { HttpError, TokenUnavailableError } from './errors';
import { header } from './request';
import type { HttpEvent } from './response';

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

/**
 * When a token is configured, requires `Authorization: Bearer <token>`
 * (compared in constant time) and answers 401 otherwise. Every route that
 * takes or gives ops calls this with the loaded token; only health is open.
 */
export function authorize(event: HttpEvent, token: string | undefined): void {
  if (token === undefined) return;
  const given = /^Bearer\s+(.+)$/i.exec(header(event, 'authorization') ?? '')?.[1]?.trim();
  const challenge = { 'www-authenticate': 'Bearer realm="observer"' };
  if (given === undefined) {
    throw new HttpError(
      401,
      'missing bearer token: send Authorization: Bearer <token>',
      {},
      challenge,
    );
  }
  if (!sameSecret(given, token)) {
    throw new HttpError(
      401,
      'invalid bearer token',
      {},
      {
        'www-authenticate': 'Bearer realm="observer", error="invalid_token"',
      },
    );
  }
}

// Hashing first makes the comparison constant-time whatever the lengths.
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
