import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EscalationConfig } from '../../lib/platform/config';
import { MemorySegmentStore } from './memory-store';

/** A request the receiver took: its headers and its body exactly as sent. */
export interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers one request: a status, a full answer, or no answer at all. */
export type Answer = number | { status: number; headers?: Record<string, string> } | 'hang';

/** A local HTTP receiver of escalations (webhooks), on 127.0.0.1 and a free port. */
export interface HookReceiver {
  url: string;
  /** Every request taken, in order (a hung one included). */
  received: Received[];
  /** The answers to the next requests, in order; 200 once they run out. */
  answer(...answers: Answer[]): void;
  close(): Promise<void>;
}

/** Starts a receiver; `close` ends it and every connection it holds. */
export async function startHookReceiver(): Promise<HookReceiver> {
  const received: Received[] = [];
  const script: Answer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf-8'),
      });
      const next = script.shift() ?? 200;
      if (next === 'hang') return;
      const { status, headers } = typeof next === 'number' ? { status: next, headers: {} } : next;
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(status < 300 ? 'ok' : `answered ${status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/escalations`,
    received,
    answer: (...answers) => script.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Escalation settings for tests: deliveries to `url`, unsigned unless a
 * secret is given, at least 10 failures in 15 minutes or 3-fold growth,
 * an hour's cooldown.
 */
export function escalationConfig(
  url: string,
  fields: Partial<EscalationConfig> = {},
): EscalationConfig {
  return {
    url,
    secret: undefined,
    minCount: 10,
    windowMinutes: 15,
    growth: 3,
    cooldownMinutes: 60,
    ...fields,
  };
}

/** What an escalation test starts from: a receiver to deliver to and an empty store. */
export async function receiverAndStore(): Promise<{
  receiver: HookReceiver;
  store: MemorySegmentStore;
}> {
  return { receiver: await startHookReceiver(), store: new MemorySegmentStore() };
}
