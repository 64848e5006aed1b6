import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { apiKeyEntry, hashApiKey } from '../../lib/platform/api-keys';
import { freshContainer } from '../support/container';
import { bodyOf, getStats, httpEvent, postOp } from '../support/events';
import { captureLogs, type Logs } from '../support/logs';
import { listKeys, rawClient, uniquePrefix } from '../support/s3';

const TOKEN = 'a-long-enough-test-token-1234';
const s3 = rawClient();
afterAll(() => s3.destroy());

describe('with OBSERVER_API_TOKEN set', () => {
  it('refuses an event without a token with 401 and stores nothing', async () => {
    const prefix = uniquePrefix('auth');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_API_TOKEN: TOKEN });

    const res = await c.event(postOp({ endpoint: 'x' }));

    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toMatch(/^Bearer/);
    expect(await listKeys(s3, prefix)).toEqual([]);
    expect(c.requests).toEqual({});
  });

  it('refuses a wrong token on stats with 401, without echoing it', async () => {
    const c = await freshContainer({
      OBSERVER_PREFIX: uniquePrefix('auth'),
      OBSERVER_API_TOKEN: TOKEN,
    });

    const res = await c.stats(getStats({ authorization: 'Bearer not-the-token' }));

    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('not-the-token');
    expect(res.body).not.toContain(TOKEN);
  });

  it('accepts the right token on event and stats', async () => {
    const c = await freshContainer({
      OBSERVER_PREFIX: uniquePrefix('auth'),
      OBSERVER_API_TOKEN: TOKEN,
    });
    const auth = { authorization: `Bearer ${TOKEN}` };

    expect((await c.event(postOp({ endpoint: 'x', success: true }, auth))).statusCode).toBe(201);
    const res = await c.stats(getStats(auth));

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).total).toBe(1);
  });

  it('leaves health open', async () => {
    const c = await freshContainer({
      OBSERVER_PREFIX: uniquePrefix('auth'),
      OBSERVER_API_TOKEN: TOKEN,
    });

    expect((await c.health(httpEvent())).statusCode).toBe(200);
  });
});

describe('with OBSERVER_API_KEYS set (keys with scopes) beside the token', () => {
  const INGEST = 'obs_integration-ingest-0123456789abcdefghijk';
  const READ = 'obs_integration-read-0123456789abcdefghijklm';
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const container = (prefix: string) =>
    freshContainer({
      OBSERVER_PREFIX: prefix,
      OBSERVER_API_TOKEN: TOKEN,
      OBSERVER_API_KEYS: `${apiKeyEntry('ingest', INGEST)}\n${apiKeyEntry('read', READ)}`,
    });

  it('lets an ingest key record ops and refuses it stats with 403, reading nothing', async () => {
    const prefix = uniquePrefix('keys');
    const c = await container(prefix);

    const posted = await c.event(postOp({ endpoint: 'x', success: true }, bearer(INGEST)));
    const refused = await c.stats(getStats(bearer(INGEST)));

    expect(posted.statusCode).toBe(201);
    expect(await listKeys(s3, prefix)).toHaveLength(1);
    expect(refused.statusCode).toBe(403);
    expect(bodyOf(refused)).toEqual({
      error: "this key's scope is ingest; GET /observer/stats needs read",
      scope_needed: 'read',
    });
    expect(c.requests).toEqual({ PutObjectCommand: 1 });
  });

  it('lets a read key read stats and refuses it an event with 403, writing nothing', async () => {
    const prefix = uniquePrefix('keys');
    const c = await container(prefix);
    await c.event(postOp({ endpoint: 'x', success: true }, bearer(TOKEN)));

    const refused = await c.event(postOp({ endpoint: 'y' }, bearer(READ)));
    const read = await c.stats(getStats(bearer(READ)));

    expect(refused.statusCode).toBe(403);
    expect(bodyOf(refused).scope_needed).toBe('ingest');
    expect(await listKeys(s3, prefix)).toHaveLength(1);
    expect(read.statusCode).toBe(200);
    expect(bodyOf(read).total).toBe(1);
  });

  it('names the key of each request in its log line by fingerprint, never by the key', async () => {
    const logs = captureLogs();
    const c = await container(uniquePrefix('keys'));

    await c.event(postOp({ endpoint: 'x' }, bearer(INGEST)));
    await c.stats(getStats(bearer(INGEST)));
    await c.stats(getStats(bearer(READ)));
    await c.stats(getStats(bearer(`${READ}x`)));

    const lines = logs.logLines('request');
    expect(lines.map((l) => [l.status, l.key])).toEqual([
      [201, hashApiKey(INGEST).slice(0, 8)],
      [403, hashApiKey(INGEST).slice(0, 8)],
      [200, hashApiKey(READ).slice(0, 8)],
      [401, undefined],
    ]);
    for (const text of logs.texts()) {
      for (const secret of [INGEST, READ, TOKEN, hashApiKey(INGEST), hashApiKey(READ)]) {
        expect(text).not.toContain(secret);
      }
    }
  });
});

describe('with OBSERVER_API_TOKEN_PARAM set (the token in SSM)', () => {
  const ssm = mockClient(SSMClient);
  const PARAM = '/observer/test/api-token';
  const SSM_TOKEN = 'the-token-kept-in-ssm-0123456789';
  const auth = { authorization: `Bearer ${SSM_TOKEN}` };
  const secure = { Parameter: { Name: PARAM, Type: 'SecureString' as const, Value: SSM_TOKEN } };
  const container = (prefix = uniquePrefix('ssm')) =>
    freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_API_TOKEN_PARAM: PARAM });

  afterEach(() => {
    ssm.reset();
  });

  it('lets the SSM token in on event and stats, reading SSM once per container', async () => {
    ssm.on(GetParameterCommand).resolves(secure);
    const c = await container();

    for (let i = 0; i < 3; i++) {
      expect((await c.event(postOp({ endpoint: `x${i}` }, auth))).statusCode).toBe(201);
    }
    const res = await c.stats(getStats(auth));

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).total).toBe(3);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it('reads SSM again in a new container, and not at all before the first request', async () => {
    ssm.on(GetParameterCommand).resolves(secure);
    const first = await container();
    await first.event(postOp({ endpoint: 'x' }, auth));

    const second = await container();
    await second.health(httpEvent());
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    await second.stats(getStats(auth));

    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('refuses a missing or wrong token with 401', async () => {
    ssm.on(GetParameterCommand).resolves(secure);
    const c = await container();

    expect((await c.event(postOp({ endpoint: 'x' }))).statusCode).toBe(401);
    expect((await c.stats(getStats({ authorization: `Bearer ${TOKEN}` }))).statusCode).toBe(401);
  });

  it('answers 503 and stores nothing while SSM cannot be read, then lets the token in', async () => {
    captureLogs('error');
    const prefix = uniquePrefix('ssm-down');
    ssm.on(GetParameterCommand).rejectsOnce(new Error('connect ETIMEDOUT')).resolves(secure);
    const c = await container(prefix);

    const refused = await c.event(postOp({ endpoint: 'x' }, auth));

    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toBe('1');
    expect(bodyOf(refused).error).toMatch(/authentication is unavailable/);
    expect(c.requests).toEqual({});
    expect(await listKeys(s3, prefix)).toEqual([]);
    expect((await c.event(postOp({ endpoint: 'x' }, auth))).statusCode).toBe(201);
  });

  it('never writes the token to a log line or a response', async () => {
    const logs = captureLogs();
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(new Error('AccessDeniedException: not authorized'))
      .resolves(secure);
    const c = await container();
    const responses = [
      await c.event(postOp({ endpoint: 'x' }, auth)),
      await c.event(postOp({ endpoint: 'x' }, auth)),
      await c.event(postOp({ endpoint: 'x' }, { authorization: `Bearer ${SSM_TOKEN}x` })),
      await c.event(postOp({ endpoint: 'x' }, { authorization: `Bearer ${SSM_TOKEN.slice(1)}` })),
      await c.stats(getStats(auth)),
      await c.event(postOp({ endpoint: '' }, auth)),
    ];

    expect(responses.map((r) => r.statusCode)).toEqual([503, 201, 401, 401, 200, 400]);
    expect(logs.all.length).toBeGreaterThan(0);
    for (const text of [...logs.texts(), ...responses.map((r) => JSON.stringify(r))]) {
      expect(text).not.toContain(SSM_TOKEN.slice(1));
    }
  });
});

describe('the warning about an open service', () => {
  const openWarnings = (logs: Logs) =>
    logs.texts('warn').filter((t) => t.includes('no API key or token is configured')).length;

  it('is logged once per cold start when no token is configured', async () => {
    const logs = captureLogs('warn');
    const c = await freshContainer({ OBSERVER_PREFIX: uniquePrefix('open') });
    await c.event(postOp({ endpoint: 'x' }));
    await c.stats(getStats());

    expect(openWarnings(logs)).toBe(1);
  });

  it.each([
    ['OBSERVER_API_TOKEN', TOKEN],
    ['OBSERVER_API_TOKEN_PARAM', '/observer/api-token'],
    ['OBSERVER_API_KEYS', apiKeyEntry('read', TOKEN)],
    ['OBSERVER_API_KEYS_PARAM', '/observer/api-keys'],
  ])('is not logged when %s is set', async (name, value) => {
    const logs = captureLogs('warn');

    await freshContainer({ OBSERVER_PREFIX: uniquePrefix('closed'), [name]: value });

    expect(openWarnings(logs)).toBe(0);
  });
});

describe('configuration at start-up', () => {
  it.each([
    ['OBSERVER_RING_CAP', 'abc'],
    ['OBSERVER_RING_CAP', '0'],
    ['S3_ENDPOINT', 'not a url'],
    ['OBSERVER_BUCKET', 'Not_A_Bucket'],
  ])('fails the cold start naming %s when it is %j', async (name, value) => {
    await expect(freshContainer({ [name]: value })).rejects.toThrow(name);
  });

  it('treats an empty value as unset, as serverless-offline passes it', async () => {
    const c = await freshContainer({
      OBSERVER_PREFIX: uniquePrefix('cfg'),
      OBSERVER_RING_CAP: '',
      OBSERVER_API_TOKEN: '',
    });

    expect(bodyOf(await c.health(httpEvent())).ring_cap).toBe(2000);
  });
});
