// The HTTP functions served over node:http on loopback, each request handed
// to its handler as an API Gateway HTTP API event: the service's own cost
// over HTTP, without serverless-offline's workers. Used by the bench.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpEvent, HttpResult } from '../lib/http/response';

/** A function's handler, as the bench calls it. */
export type Handler = (event: HttpEvent) => Promise<HttpResult>;

/** A running server: its base URL and how to stop it. */
export interface HandlerServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `routes` (`"POST /observer/events"` → handler) on 127.0.0.1; anything else is a 404. */
export async function serveHandlers(routes: Record<string, Handler>): Promise<HandlerServer> {
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const routeKey = `${req.method} ${path}`;
    const handler = routes[routeKey];
    if (handler === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}');
      return;
    }
    try {
      const result = await handler(eventOf(req, routeKey, path, body));
      res.writeHead(result.statusCode ?? 200, headersOf(result));
      res.end(result.body ?? '');
    } catch {
      // The handlers answer errors themselves; this is a last resort, as Lambda's would be.
      res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"handler failed"}');
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf-8')));
    req.on('error', fail);
  });
}

function eventOf(req: IncomingMessage, routeKey: string, path: string, body: string): HttpEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string') headers[k] = v;
  }
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: 'local',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: Date.now(),
    },
    isBase64Encoded: false,
    ...(body !== '' ? { body } : {}),
  };
}

function headersOf(result: HttpResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(result.headers ?? {})) out[k] = String(v);
  return out;
}
