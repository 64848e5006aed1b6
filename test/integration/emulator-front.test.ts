import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulatorFront, emulatorFailure } from '../../dev/emulator-front';
import { freePort } from '../../dev/free-port';

// The front npm start and the e2e stack put before serverless-offline, which
// answers a failed invocation with 200 and the error as the body.

const JSON_TYPE = 'application/json';
const timeoutBody = {
  errorMessage: '[504] - Lambda timeout.',
  errorType: 'LambdaTimeoutError',
  stackTrace: ['LambdaTimeoutError: [504] - Lambda timeout.', '    at ...'],
};
const initErrorBody = {
  errorMessage: 'invalid configuration: OBSERVER_RING_CAP must be a whole number',
  errorType: 'ConfigError',
  stackTrace: ['ConfigError: invalid configuration ...'],
};
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('emulatorFailure', () => {
  it('maps a Lambda timeout answered as 200 to 504', () => {
    expect(emulatorFailure(200, JSON_TYPE, bytes(timeoutBody))).toEqual({
      status: 504,
      body: { error: 'the function timed out; the request may or may not have taken effect' },
      detail: 'LambdaTimeoutError: [504] - Lambda timeout.',
    });
  });

  it('maps any other invocation error answered as 200 to 502', () => {
    expect(
      emulatorFailure(200, 'application/json; charset=utf-8', bytes(initErrorBody)),
    ).toMatchObject({
      status: 502,
      body: { error: 'the function failed before it could answer' },
    });
  });

  it('maps an error without a stack trace too', () => {
    const body = bytes({ errorMessage: 'boom', errorType: 'Error' });

    expect(emulatorFailure(200, JSON_TYPE, body)?.status).toBe(502);
  });

  it.each([
    ['a service answer', 200, JSON_TYPE, bytes({ total: 3, successes: 2, failures: 1 })],
    [
      'an answer with more fields than an error',
      200,
      JSON_TYPE,
      bytes({ ...initErrorBody, ok: true }),
    ],
    ['a status other than 200', 500, JSON_TYPE, bytes(initErrorBody)],
    ['a body that is not JSON', 200, JSON_TYPE, Buffer.from('errorType')],
    ['a body that is not JSON by its type', 200, 'text/plain', bytes(initErrorBody)],
    ['a JSON array', 200, JSON_TYPE, bytes([initErrorBody])],
  ])('leaves %s alone', (_name, status, type, body) => {
    expect(emulatorFailure(status, type, body)).toBeUndefined();
  });
});

describe('the emulator front over HTTP', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  async function listen(server: Server): Promise<number> {
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  }

  /** An emulator stand-in that answers each request with `answer`. */
  async function upstream(
    answer: (req: IncomingMessage, res: ServerResponse) => void,
  ): Promise<number> {
    return listen(createServer(answer));
  }

  async function front(upstreamPort: number, maxInFlight = 4) {
    const failures: string[] = [];
    const port = await listen(
      createEmulatorFront({
        upstreamPort,
        maxInFlight,
        onFailure: (f) => failures.push(`${f.method} ${f.path} ${f.status} ${f.detail}`),
      }),
    );
    return { url: `http://127.0.0.1:${port}`, failures };
  }

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': JSON_TYPE, 'x-extra': 'kept' });
    res.end(JSON.stringify(body));
  };

  it('passes a real answer through: status, headers and body', async () => {
    const up = await upstream((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => json(res, 201, { echoed: body, path: req.url, method: req.method }));
    });
    const { url, failures } = await front(up);

    const res = await fetch(`${url}/observer/event?x=1`, { method: 'POST', body: '{"a":1}' });

    expect(res.status).toBe(201);
    expect(res.headers.get('x-extra')).toBe('kept');
    expect(await res.json()).toEqual({
      echoed: '{"a":1}',
      path: '/observer/event?x=1',
      method: 'POST',
    });
    expect(failures).toEqual([]);
  });

  it('answers 504 for a timeout the emulator answered with 200, and says so in the log', async () => {
    const up = await upstream((_req, res) => json(res, 200, timeoutBody));
    const { url, failures } = await front(up);

    const res = await fetch(`${url}/observer/event`, { method: 'POST', body: '{}' });

    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toBe(JSON_TYPE);
    expect(await res.json()).toEqual({
      error: 'the function timed out; the request may or may not have taken effect',
    });
    expect(failures).toEqual([
      'POST /observer/event 504 LambdaTimeoutError: [504] - Lambda timeout.',
    ]);
  });

  it('answers 502 for an init error the emulator answered with 200, without its stack trace', async () => {
    const up = await upstream((_req, res) => json(res, 200, initErrorBody));
    const { url } = await front(up);

    const res = await fetch(`${url}/observer/health`);

    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain('stackTrace');
  });

  it('reads an emulator that would compress: it asks for an uncompressed answer', async () => {
    const up = await upstream((req, res) => {
      if (!String(req.headers['accept-encoding'] ?? '').includes('gzip')) {
        return json(res, 200, timeoutBody);
      }
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' });
      res.end(gzipSync(bytes(timeoutBody)));
    });
    const { url } = await front(up);

    const res = await fetch(`${url}/observer/event`, {
      method: 'POST',
      body: '{}',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });

    expect(res.status).toBe(504);
  });

  it('answers 502 when the emulator cannot be reached', async () => {
    const { url, failures } = await front(await freePort());

    const res = await fetch(`${url}/observer/stats`);

    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: 'the local API emulator did not answer' });
    expect(failures).toHaveLength(1);
  });

  it('never has more requests at the emulator than maxInFlight, and answers them all', async () => {
    let inFlight = 0;
    let most = 0;
    const up = await upstream((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      setImmediate(() => {
        inFlight--;
        json(res, 200, { ok: true });
      });
    });
    const { url } = await front(up, 3);

    const statuses = await Promise.all(
      Array.from({ length: 24 }, () => fetch(`${url}/observer/health`).then((r) => r.status)),
    );

    expect(statuses).toEqual(Array(24).fill(200));
    expect(most).toBeLessThanOrEqual(3);
  });
});
