// A bounded load run against a local observer: POST /observer/event from
// many concurrent clients, then a check of what S3 holds. Used by
// `npm run load` (scripts/load.ts) and by the load test in test/e2e.

import { Agent, request } from 'node:http';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { mapLimit } from '../lib/platform/concurrency';
import { parseJson } from '../lib/platform/json';
import { listKeysIn } from './s3-tools';

/** What a load run sent and got back. */
export interface LoadResult {
  sent: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  /**
   * Ops that got no answer from the service after every retry: none at all
   * (refused, reset, timed out), or only the emulator's own error.
   */
  noAnswer: number;
  /** Attempts sent again: a 5xx, an emulator error or no answer, retried with the op's id. */
  retried: number;
  /** Answers of 200 that carried an emulator error body instead of the service's answer. */
  emulatorErrors: number;
  /** S3 key (below the prefix) → the endpoint of the op acknowledged under it. */
  acked: Map<string, string>;
  /** Milliseconds per request, sorted ascending. */
  latenciesMs: number[];
  elapsedMs: number;
}

/** How a load run is bounded. */
export interface LoadOptions {
  /** The service's base URL; only a loopback address is accepted. */
  url: string;
  events: number;
  concurrency: number;
  /** No request starts after this many milliseconds. */
  maxMs: number;
  token?: string;
  /**
   * Times an op is sent again after a 5xx, an emulator error or no answer
   * (default 0). Each op carries an id, so a retry is counted once.
   */
  retries?: number;
  /** What each op's id starts with (default `load`): runs that must not repeat ids differ here. */
  idPrefix?: string;
}

/** The op a load run sends as its i-th. */
export function loadOp(i: number, idPrefix = 'load'): Record<string, unknown> {
  return {
    id: `${idPrefix}-${i}`,
    endpoint: `load/${i}`,
    success: i % 4 !== 0,
    source: i % 5 === 0 ? 'scenario' : 'mcp',
    duration_ms: i % 1000,
  };
}

/** What one attempt came to: the HTTP status and body, or nothing. */
type Attempt = { status: number; body: Record<string, unknown> } | undefined;

const EmulatorError = z.looseObject({ errorMessage: z.string(), errorType: z.string() });

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Sends `events` ops, `concurrency` at a time, and records every answer. */
export async function sendLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL('/observer/event', options.url);
  if (!LOOPBACK.has(target.hostname)) {
    throw new Error(`load runs target loopback addresses only, not ${target.hostname}`);
  }
  const started = performance.now();
  const result: LoadResult = {
    sent: 0,
    statuses: {},
    noAnswer: 0,
    retried: 0,
    emulatorErrors: 0,
    acked: new Map(),
    latenciesMs: [],
    elapsedMs: 0,
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  // Plain node:http on kept-alive connections, one per client: the load
  // generator should cost the machine as little as it can (fetch costs about
  // twice as much CPU per request), since it shares the CPU with the service.
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const attempt = (body: string) => post(target, headers, body, agent);
  await mapLimit(
    Array.from({ length: options.events }, (_, i) => i),
    options.concurrency,
    async (i) => {
      const op = loadOp(i, options.idPrefix);
      const body = JSON.stringify(op);
      result.sent++;
      const t0 = performance.now();
      let answer = await attempt(body);
      for (let retry = 0; retry < (options.retries ?? 0) && failed(answer); retry++) {
        if (answer && EmulatorError.safeParse(answer.body).success) result.emulatorErrors++;
        result.retried++;
        answer = await attempt(body);
      }
      result.latenciesMs.push(performance.now() - t0);
      if (answer === undefined || EmulatorError.safeParse(answer.body).success) {
        result.noAnswer++;
        return;
      }
      result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
      const key = answer.body.key;
      if (answer.status === 201 && typeof key === 'string')
        result.acked.set(key, String(op.endpoint));
    },
    () => performance.now() - started > options.maxMs,
  );
  agent.destroy();
  result.elapsedMs = performance.now() - started;
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}

const ANSWER_TIMEOUT_MS = 30_000;
const AnswerBody = z.record(z.string(), z.unknown());

/** One POST: its status and JSON body (`{}` if not a JSON object), or undefined for no answer. */
function post(
  target: URL,
  headers: Record<string, string>,
  body: string,
  agent: Agent,
): Promise<Attempt> {
  return new Promise((done) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        timeout: ANSWER_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', () => done(undefined));
        res.on('end', () => {
          const answer = AnswerBody.safeParse(parseJson(Buffer.concat(chunks).toString('utf8')));
          done({ status: res.statusCode ?? 0, body: answer.success ? answer.data : {} });
        });
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(undefined));
    req.end(body);
  });
}

/** No answer, a 5xx, or a 200 that is an emulator's error rather than the service's answer. */
function failed(answer: Attempt): boolean {
  return (
    answer === undefined ||
    answer.status >= 500 ||
    (answer.status === 200 && EmulatorError.safeParse(answer.body).success)
  );
}

/** What S3 holds compared with what was acknowledged. */
export interface S3Check {
  /** Segments under the prefix. */
  found: number;
  /** Acknowledged keys with no object. */
  missing: string[];
  /** Objects nobody was told about (a retried op's earlier attempt that landed). */
  unacknowledged: string[];
  /** Objects whose op is not the one acknowledged under their key. */
  mismatched: string[];
  /** Stored copies of each op id. */
  copies: Map<string, number>;
}

const StoredOp = z.looseObject({ endpoint: z.string(), id: z.string().optional() });

/** Lists every segment under the prefix and reads each one back. */
export async function checkS3(
  client: S3Client,
  bucket: string,
  prefix: string,
  acked: ReadonlyMap<string, string>,
): Promise<S3Check> {
  const keys = (await listKeysIn(client, bucket, `${prefix}ops/`)).map((k) =>
    k.slice(prefix.length),
  );
  const copies = new Map<string, number>();
  const mismatched: string[] = [];
  await mapLimit(keys, 32, async (key) => {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: prefix + key }));
    const text = (await res.Body?.transformToString('utf-8')) ?? '';
    const ops = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => StoredOp.safeParse(parseJson(l)));
    for (const op of ops) {
      const id = op.success ? op.data.id : undefined;
      if (id !== undefined) copies.set(id, (copies.get(id) ?? 0) + 1);
    }
    const expected = acked.get(key);
    const only = ops.length === 1 ? ops[0] : undefined;
    if (expected !== undefined && !(only?.success && only.data.endpoint === expected)) {
      mismatched.push(key);
    }
  });
  const stored = new Set(keys);
  return {
    found: keys.length,
    missing: [...acked.keys()].filter((k) => !stored.has(k)),
    unacknowledged: keys.filter((k) => !acked.has(k)),
    mismatched,
    copies,
  };
}

/** Answers with a status of 500 or more. */
export function serverErrors(result: LoadResult): number {
  return Object.entries(result.statuses)
    .filter(([status]) => Number(status) >= 500)
    .reduce((n, [, count]) => n + count, 0);
}
