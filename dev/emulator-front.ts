// A small HTTP front for serverless-offline. The emulator answers a Lambda
// timeout or an init error on an HTTP API route with HTTP 200 and the error
// as the body ({"errorMessage", "errorType", "stackTrace"}); API Gateway
// answers 5xx. The front turns such an answer into a 502 or 504 JSON answer,
// answers 502 when the emulator cannot be reached, and holds requests beyond
// `maxInFlight` in a queue instead of letting the emulator start a cold
// function for each one.
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import { z } from 'zod';

/** A failure the emulator reported as an answer, or undefined for a real answer. */
export interface EmulatorFailure {
  status: 502 | 504;
  body: { error: string };
  /** What the emulator said, for the local log (never sent to the client). */
  detail: string;
}

// Exactly what serverless-offline makes of a failed invocation, and nothing a handler answers.
const EmulatorErrorSchema = z.strictObject({
  errorMessage: z.string(),
  errorType: z.string(),
  stackTrace: z.array(z.string()).optional(),
});

/** Tells an emulator failure, dressed as a 200 answer, from a real answer. */
export function emulatorFailure(
  status: number,
  contentType: string | undefined,
  body: Buffer,
): EmulatorFailure | undefined {
  if (status !== 200 || !contentType?.includes('json') || body.length > 64 * 1024) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = EmulatorErrorSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { errorType, errorMessage } = parsed.data;
  const detail = `${errorType}: ${errorMessage}`;
  if (errorType === 'LambdaTimeoutError' || errorMessage.includes('[504]')) {
    return {
      status: 504,
      detail,
      body: { error: 'the function timed out; the request may or may not have taken effect' },
    };
  }
  return { status: 502, detail, body: { error: 'the function failed before it could answer' } };
}

/** How the front forwards. */
export interface FrontOptions {
  /** The emulator's HTTP port on 127.0.0.1. */
  upstreamPort: number;
  /** Requests forwarded at once; the others wait in arrival order. */
  maxInFlight: number;
  /** Told of every failure the front answered for the emulator. */
  onFailure?: (failure: { method: string; path: string; status: number; detail: string }) => void;
  /** Awaited before each request is forwarded: requests wait while the emulator restarts. */
  upstreamReady?: () => Promise<void>;
}

/** An HTTP server (not yet listening) that forwards to the emulator as described above. */
export function createEmulatorFront(options: FrontOptions): Server {
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const slots = new Slots(options.maxInFlight);
  const server = createServer((req, res) => {
    void slots.run(async () => {
      await options.upstreamReady?.();
      await forward(req, res, options, agent);
    });
  });
  server.on('close', () => agent.destroy());
  return server;
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  options: FrontOptions,
  agent: Agent,
): Promise<void> {
  const fail = (status: 502 | 504, body: { error: string }, detail: string) => {
    options.onFailure?.({ method: req.method ?? '', path: req.url ?? '', status, detail });
    if (!res.headersSent) send(res, status, body);
    else res.destroy();
  };
  // A client that left while its request waited for a slot is not forwarded.
  if (req.destroyed || res.destroyed) return Promise.resolve();
  return new Promise<void>((done) => {
    res.once('close', () => done());
    const upstream = request(
      {
        host: '127.0.0.1',
        port: options.upstreamPort,
        method: req.method,
        path: req.url,
        // Uncompressed from the emulator, so the front can read what it answered.
        headers: withoutHopByHop({ ...req.headers, 'accept-encoding': undefined }),
        agent,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', (err) => fail(502, UNREACHABLE, String(err)));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const failure = emulatorFailure(
            answer.statusCode ?? 0,
            answer.headers['content-type'],
            body,
          );
          if (failure) return fail(failure.status, failure.body, failure.detail);
          res.writeHead(answer.statusCode ?? 502, {
            ...withoutHopByHop(answer.headers),
            'content-length': body.length,
          });
          res.end(body);
        });
      },
    );
    upstream.on('error', (err) => fail(502, UNREACHABLE, String(err)));
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
}

const UNREACHABLE = { error: 'the local API emulator did not answer' };

// Headers about one connection, not the message: each side of the front has its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name, value]) => value !== undefined && !HOP_BY_HOP.has(name)),
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** At most `size` tasks at once; the rest start in arrival order as others finish. */
class Slots {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run(task: () => Promise<void>): Promise<void> {
    if (this.running >= this.size) {
      await new Promise<void>((start) => this.waiting.push(start));
    } else {
      this.running++;
    }
    try {
      await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
