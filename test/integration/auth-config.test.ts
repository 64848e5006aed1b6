import { afterAll, describe, expect, it } from 'vitest';
import { freshContainer } from '../support/container';
import { bodyOf, getStats, httpEvent, postOp } from '../support/events';
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
