// An HTTP proxy in front of an S3 server that fails a seeded share of
// PutObject requests without forwarding them: with S3's 503 SlowDown, or by
// dropping the connection. Everything else passes through untouched (the
// Host header too, so SigV4 signatures still match). With a failure rate of 0
// it only counts: the S3 requests a service makes, seen on the wire.
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './random';

/** How a failed PutObject is answered. */
export type PutFault = 'slow-down' | 'drop';

/** What the proxy does to PutObject requests. */
export interface FaultyS3ProxyOptions {
  /** The S3 server behind the proxy, such as `http://127.0.0.1:4569`. */
  target: string;
  /** The share of PutObject requests failed (0–1). */
  failureRate: number;
  /** The seed of the failure draws; the same seed, the same sequence of faults. Default 1. */
  seed?: number;
  /** The faults to use, drawn with equal chance. Default both. */
  faults?: readonly PutFault[];
}

/** What went through the proxy, in requests. */
export interface ProxyCounts {
  putObject: number;
  failed: number;
  slowDown: number;
  dropped: number;
  other: number;
}

/** A running proxy: its endpoint (use it as S3_ENDPOINT), its counts, and how to stop it. */
export interface FaultyS3Proxy {
  endpoint: string;
  counts: ProxyCounts;
  /** Zeroes the counts (the fault sequence goes on). */
  resetCounts(): void;
  close(): Promise<void>;
}

const SLOW_DOWN_XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code>' +
  '<Message>Please reduce your request rate.</Message><RequestId>faulty-s3-proxy</RequestId></Error>';

/** Whether a request is a PutObject: a PUT of a key, not a copy, a part or a sub-resource. */
export function isPutObject(method: string | undefined, url: string, copySource: unknown): boolean {
  if (method !== 'PUT' || copySource !== undefined) return false;
  const { pathname, searchParams } = new URL(url, 'http://s3');
  const [, bucket, ...key] = pathname.split('/');
  if (!bucket || key.join('/') === '') return false;
  for (const [name, value] of searchParams) {
    if (name !== 'x-id' || value !== 'PutObject') return false;
  }
  return true;
}

/** Starts the proxy on a free loopback port. */
export async function startFaultyS3Proxy(options: FaultyS3ProxyOptions): Promise<FaultyS3Proxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  const faults = options.faults ?? ['slow-down', 'drop'];
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const counts: ProxyCounts = { putObject: 0, failed: 0, slowDown: 0, dropped: 0, other: 0 };

  const server = createServer((req, res) => {
    if (!isPutObject(req.method, req.url ?? '/', req.headers['x-amz-copy-source'])) {
      counts.other++;
      return forward(req, res, target, agent);
    }
    counts.putObject++;
    const fail = random() < options.failureRate;
    const fault = faults[Math.floor(random() * faults.length)] ?? 'slow-down';
    if (!fail) return forward(req, res, target, agent);
    counts.failed++;
    if (fault === 'drop') {
      counts.dropped++;
      req.socket.destroy();
      return;
    }
    counts.slowDown++;
    req.resume();
    req.on('end', () => {
      res.writeHead(503, { 'content-type': 'application/xml', connection: 'close' });
      res.end(SLOW_DOWN_XML);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    resetCounts: () => {
      for (const k of Object.keys(counts) as (keyof ProxyCounts)[]) counts[k] = 0;
    },
    close: () =>
      new Promise<void>((done) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL, agent: Agent): void {
  const upstream = request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  });
  req.pipe(upstream);
}
