import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, freshContainer } from '../support/container';
import { stackEnv } from '../support/e2e';
import { httpEvent } from '../support/events';
import { uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// API Gateway (payload 2.0) hands a function the request body exactly as
// sent. The local stack must too: each body below, sent to the local stack
// over HTTP, gets the answer the function gives when invoked directly with
// that body as a raw string, as on AWS.

const BODIES: [label: string, body: string][] = [
  ['the number 0', '0'],
  ['false', 'false'],
  ['-0', '-0'],
  ['0.0', '0.0'],
  ['null', 'null'],
  ['a JSON string', '"hello"'],
  ['an op encoded twice', '"{\\"endpoint\\":\\"x\\"}"'],
  ['an empty object', '{}'],
  ['an empty array', '[]'],
  ['an op', '{"endpoint":"x"}'],
  ['an empty body', ''],
  ['invalid JSON', '{"endpoint":'],
];

const ROUTES = {
  '/observer/event': 'event',
  '/observer/events': 'events',
  '/observer/review': 'review',
} as const;

/** What a client can tell two answers apart by. */
interface Answer {
  status: number;
  error: unknown;
}

const prefix = uniquePrefix('e2e-body-parity');
const env = stackEnv(prefix);
let api: Offline;
let direct: Container;

beforeAll(async () => {
  api = await startOffline(env);
  direct = await freshContainer(env);
});

afterAll(async () => {
  await api?.stop();
});

async function overHttp(path: string, body: string): Promise<Answer> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const answer = (await res.json()) as { error?: unknown };
  return { status: res.status, error: answer.error };
}

async function invoked(path: keyof typeof ROUTES, body: string): Promise<Answer> {
  const res = await direct[ROUTES[path]](
    httpEvent({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json' },
      // API Gateway leaves `body` out when the request has none.
      ...(body === '' ? {} : { body }),
    }),
  );
  const answer = JSON.parse(res.body ?? '{}') as { error?: unknown };
  return { status: res.statusCode ?? 0, error: answer.error };
}

describe('a body that is not UTF-8', () => {
  // A stray continuation byte inside an op's endpoint: byte 13.
  const bytes = Buffer.concat([
    Buffer.from('{"endpoint":"'),
    Buffer.from([0x80]),
    Buffer.from('x"}'),
  ]);

  it('is refused over HTTP naming its offset, as the function refuses it on API Gateway', async () => {
    const res = await fetch(`${api.url}/observer/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });
    const expected = await direct.event(
      httpEvent({
        method: 'POST',
        path: '/observer/event',
        headers: { 'content-type': 'application/json' },
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      }),
    );

    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(JSON.parse(expected.body ?? '{}'));
    expect(expected.statusCode).toBe(400);
  });
});

describe.each(Object.keys(ROUTES) as (keyof typeof ROUTES)[])('POST %s', (path) => {
  it.each(BODIES)('answers %s as the function does on API Gateway', async (_label, body) => {
    const expected = await invoked(path, body);

    const answer = await overHttp(path, body);

    expect(answer).toEqual(expected);
  });
});
