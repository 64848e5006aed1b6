import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, with the ops of its JSON array body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  ops: Record<string, unknown>[];
  /** The body's size in bytes. */
  bytes: number;
}

/**
 * How the receiver answers a request: a status with headers and a body (after
 * `delayMs`, if given), a dropped connection, a 201 cut short (its headers promise more body than
 * comes before the connection drops), or no answer at all (the connection
 * stays open until the receiver closes).
 */
export type Answer =
  | { status: number; headers?: Record<string, string>; body?: unknown; delayMs?: number }
  | { drop: true }
  | { cut: true }
  | { hang: true };

/** Answers request number `n` (0-based). */
export type Script = (req: ReceivedRequest, n: number) => Answer;

/** A local HTTP server standing in for observer's batch route, answering as it is scripted. */
export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Every op received, in order, retries included. */
  ops(): Record<string, unknown>[];
  /** Resolves once `n` requests have arrived. */
  waitForRequests(n: number): Promise<void>;
  close(): Promise<void>;
}

/** 201 with every op accepted, as the service answers a good batch. */
export const acceptAll: Script = (req) => ({
  status: 201,
  body: {
    ok: true,
    key: 'ops/2026/11/24/21/x.jsonl',
    accepted: req.ops.map((op, index) => ({ index, id: op.id })),
    rejected: [],
  },
});

/** The scripted answers for the first requests, then `then` (acceptAll by default). */
export function answers(first: Answer[], then: Script = acceptAll): Script {
  return (req, n) => first[n] ?? then(req, n);
}

/** What the service answers a body that is not JSON (NaN, say). */
const NOT_JSON: Answer = { status: 400, body: { error: 'the body is not JSON' } };

/** The body's JSON (an empty body is an empty batch); undefined when it is not JSON. */
function parseJson(text: string): unknown {
  if (text === '') return [];
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Starts a receiver on 127.0.0.1 (a free port); a body that is not JSON is answered 400. */
export async function startReceiver(script: Script = acceptAll): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiting: { n: number; done: () => void }[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf-8');
    req.on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      const parsed = parseJson(text);
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        ops: Array.isArray(parsed) ? (parsed as Record<string, unknown>[]) : [],
        bytes: Buffer.byteLength(text),
      };
      const n = requests.push(received) - 1;
      const answer = parsed === undefined ? NOT_JSON : script(received, n);
      for (const w of waiting.filter((x) => requests.length >= x.n)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.done();
      }
      if ('drop' in answer) {
        req.socket.destroy();
        return;
      }
      if ('hang' in answer) return;
      if ('cut' in answer) {
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write('{"ok":true,', () => req.socket.destroy());
        return;
      }
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      };
      // Only a delayed answer uses a timer: tests with fake timers get theirs at once.
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    ops: () => requests.flatMap((r) => r.ops),
    waitForRequests: (n) =>
      new Promise<void>((done) => {
        if (requests.length >= n) done();
        else waiting.push({ n, done });
      }),
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
