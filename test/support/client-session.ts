import { afterEach, vi } from 'vitest';
import {
  createObserverClient,
  type ErrorContext,
  type ObserverClient,
  type ObserverClientOptions,
} from '../../client/src/index';
import { acceptAll, type Receiver, type Script, startReceiver } from './receiver';

/** A client under test, the receiver it sends to, and every error it reported. */
export interface ClientSession {
  receiver: Receiver;
  client: ObserverClient;
  errors: { err: Error; context: ErrorContext }[];
}

/**
 * Client sessions for one test file: `start` opens a receiver with its
 * script and a client sending to it (no timer flush, no exit hook, errors
 * collected, then `defaults` and the test's own options); after each test
 * the client is shut down, the receiver closed and real timers restored.
 */
export function clientSessions(
  defaults: Partial<ObserverClientOptions> = {},
): (script?: Script, options?: Partial<ObserverClientOptions>) => Promise<ClientSession> {
  let open: ClientSession | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await open?.client.shutdown();
    await open?.receiver.close();
    open = undefined;
  });
  return async (script = acceptAll, options = {}) => {
    const receiver = await startReceiver(script);
    const errors: ClientSession['errors'] = [];
    const client = createObserverClient({
      url: receiver.url,
      flushInterval: 60_000,
      flushOnExit: false,
      onError: (err, context) => errors.push({ err, context }),
      ...defaults,
      ...options,
    });
    open = { receiver, client, errors };
    return open;
  };
}
