import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiKeyEntry } from '../../../lib/platform/api-keys';
import { type Container, freshContainer } from '../../support/container';
import { getStats, postOp } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';

// Rotating keys as docs/security.md says, with requests running all along:
// add the new keys beside the old, move the clients, remove the old. No
// request made with a key that is valid in its phase may be refused. Time is
// a fake clock moved by the test; every wait is on a count of requests.

/** The keys a client holds: one to send ops, one to read stats. */
interface KeyPair {
  ingest: string;
  read: string;
}
const OLD: KeyPair = {
  ingest: 'obs_old-ingest-0123456789abcdefghijklmnopqrst',
  read: 'obs_old-read-0123456789abcdefghijklmnopqrstuv',
};
const NEW: KeyPair = {
  ingest: 'obs_new-ingest-0123456789abcdefghijklmnopqrst',
  read: 'obs_new-read-0123456789abcdefghijklmnopqrstuv',
};
const entries = (...pairs: KeyPair[]) =>
  pairs.flatMap((p) => [apiKeyEntry('ingest', p.ingest), apiKeyEntry('read', p.read)]).join('\n');

const PARAM = '/observer/test/rotating-keys';
const TTL_MS = 300_000;
const T0 = Date.UTC(2026, 10, 24, 21, 0, 0);

/** One request as a client made it: the phase, the key it used, what it got. */
interface Sent {
  phase: string;
  key: string;
  status: number;
}

/** Clients sending ops and reading stats without pause, each through the next container in turn. */
class Traffic {
  readonly sent: Sent[] = [];
  phase = '';
  /** The keys the clients hold in this phase; a client picks one pair by its number. */
  holding: KeyPair[] = [OLD];
  /** The containers serving now. */
  serving: Container[] = [];
  /** The most requests that were in flight at once. */
  mostInFlight = 0;
  #inFlight = 0;
  #stopped = false;
  #next = 0;
  readonly #workers: Promise<void>[] = [];

  start(clients: number): void {
    for (let i = 0; i < clients; i++) this.#workers.push(this.#client(i));
  }

  async #client(n: number): Promise<void> {
    for (let round = 0; !this.#stopped; round++) {
      const phase = this.phase;
      const pair = this.holding[(n + round) % this.holding.length] as KeyPair;
      const container = this.serving[this.#next++ % this.serving.length] as Container;
      const reading = round % 3 === 2;
      const key = reading ? pair.read : pair.ingest;
      const auth = { authorization: `Bearer ${key}` };
      this.mostInFlight = Math.max(this.mostInFlight, ++this.#inFlight);
      const res = reading
        ? await container.stats(getStats(auth))
        : await container.event(postOp({ endpoint: 'tools/call', success: true }, auth));
      this.#inFlight--;
      this.sent.push({ phase, key, status: res.statusCode ?? 0 });
      // A turn of the event loop between requests, so the test's own steps run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Waits until `count` more requests were answered; fails after a bounded number of turns. */
  async answered(count: number): Promise<void> {
    const target = this.sent.length + count;
    for (let turn = 0; this.sent.length < target; turn++) {
      if (turn > 1_000_000) throw new Error(`only ${this.sent.length} of ${target} answered`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#workers);
  }

  /** The requests of a phase that were not let in. */
  refused(phase: string): Sent[] {
    return this.sent.filter((s) => s.phase === phase && (s.status < 200 || s.status >= 300));
  }
}

/** Moves the fake clock in steps, letting requests run between them. */
async function passTime(traffic: Traffic, ms: number, step = 60_000): Promise<void> {
  for (let moved = 0; moved < ms; moved += step) {
    vi.setSystemTime(Date.now() + Math.min(step, ms - moved));
    await traffic.answered(20);
  }
}

/** What each container answers a key now: 201 (let in) or its refusal. */
async function answersTo(containers: Container[], key: string): Promise<number[]> {
  const auth = { authorization: `Bearer ${key}` };
  return Promise.all(
    containers.map(
      async (c) => (await c.event(postOp({ endpoint: 'probe' }, auth))).statusCode ?? 0,
    ),
  );
}

const ssm = mockClient(SSMClient);
let store: MemorySegmentStore;

async function container(env: Record<string, string>): Promise<Container> {
  const c = await freshContainer({ OBSERVER_BUCKET: 'observer-test', ...env });
  c.runtime.resetRuntime({ store });
  return c;
}

beforeEach(() => {
  captureLogs();
  store = new MemorySegmentStore();
  // Only Date: timers, the event loop and the SDK mock run as they do.
  vi.useFakeTimers({ toFake: ['Date'], now: T0 });
});

afterEach(() => {
  vi.useRealTimers();
  ssm.reset();
});

describe('rotating keys kept in SSM, with requests running all along', () => {
  it('refuses no request made with a key valid in its phase, and the old keys once removed', async () => {
    let list = entries(OLD);
    ssm.on(GetParameterCommand).callsFake(() => ({
      Parameter: { Name: PARAM, Type: 'SecureString', Value: list },
    }));
    const containers: Container[] = [];
    // Three warm containers that read the list at different times, so each re-reads it at its own.
    for (let i = 0; i < 3; i++) {
      const c = await container({ OBSERVER_API_KEYS_PARAM: PARAM });
      expect((await answersTo([c], OLD.ingest))[0]).toBe(201);
      containers.push(c);
      vi.setSystemTime(Date.now() + 100_000);
    }
    const traffic = new Traffic();
    traffic.serving = containers;
    traffic.phase = 'old keys';
    traffic.start(6);
    await traffic.answered(60);

    // 1. Add the new keys beside the old, then wait the TTL: every container has both.
    list = entries(OLD, NEW);
    traffic.phase = 'old and new listed';
    await passTime(traffic, TTL_MS + 60_000);
    // 2. Move the clients, some at a time.
    traffic.phase = 'clients moving';
    traffic.holding = [OLD, NEW];
    await traffic.answered(90);
    traffic.phase = 'clients moved';
    traffic.holding = [NEW];
    await traffic.answered(60);
    // 3. Remove the old keys, then wait the TTL again.
    list = entries(NEW);
    traffic.phase = 'old keys removed';
    await passTime(traffic, TTL_MS + 60_000);
    await traffic.stop();

    for (const phase of [
      'old keys',
      'old and new listed',
      'clients moving',
      'clients moved',
      'old keys removed',
    ]) {
      expect(traffic.sent.filter((s) => s.phase === phase).length, phase).toBeGreaterThanOrEqual(
        60,
      );
      expect(traffic.refused(phase), phase).toEqual([]);
    }
    const moving = traffic.sent.filter((s) => s.phase === 'clients moving');
    expect(
      moving.some((s) => s.key === OLD.ingest) && moving.some((s) => s.key === NEW.ingest),
    ).toBe(true);
    expect(traffic.mostInFlight).toBeGreaterThan(1);
    expect(await answersTo(containers, OLD.ingest)).toEqual([401, 401, 401]);
    expect(await answersTo(containers, NEW.ingest)).toEqual([201, 201, 201]);
    // Each container read the list on its first request and again after each change.
    expect(ssm.commandCalls(GetParameterCommand).length).toBeGreaterThanOrEqual(3 * 3);
  });
});

describe('rotating keys kept in the environment, across deploys', () => {
  it('refuses no request when old and new containers serve side by side during each deploy', async () => {
    const traffic = new Traffic();
    const before = [await container({ OBSERVER_API_KEYS: entries(OLD) })];
    before.push(await container({ OBSERVER_API_KEYS: entries(OLD) }));
    traffic.serving = before;
    traffic.phase = 'old keys';
    traffic.start(6);
    await traffic.answered(60);

    // 1. Deploy with the new keys beside the old: old and new containers serve together.
    const both = [
      await container({ OBSERVER_API_KEYS: entries(OLD, NEW) }),
      await container({ OBSERVER_API_KEYS: entries(OLD, NEW) }),
    ];
    traffic.phase = 'deploying old and new';
    traffic.serving = [...before, ...both];
    await traffic.answered(60);
    traffic.serving = both;
    // 2. Every container has both: move the clients.
    traffic.phase = 'clients moving';
    traffic.holding = [OLD, NEW];
    await traffic.answered(90);
    traffic.phase = 'clients moved';
    traffic.holding = [NEW];
    await traffic.answered(60);
    // 3. Deploy without the old keys.
    const after = [
      await container({ OBSERVER_API_KEYS: entries(NEW) }),
      await container({ OBSERVER_API_KEYS: entries(NEW) }),
    ];
    traffic.phase = 'deploying new only';
    traffic.serving = [...both, ...after];
    await traffic.answered(60);
    traffic.serving = after;
    traffic.phase = 'old keys removed';
    await traffic.answered(60);
    await traffic.stop();

    for (const phase of [
      'old keys',
      'deploying old and new',
      'clients moving',
      'clients moved',
      'deploying new only',
      'old keys removed',
    ]) {
      expect(traffic.sent.filter((s) => s.phase === phase).length, phase).toBeGreaterThanOrEqual(
        60,
      );
      expect(traffic.refused(phase), phase).toEqual([]);
    }
    expect(traffic.mostInFlight).toBeGreaterThan(1);
    expect(await answersTo(after, OLD.ingest)).toEqual([401, 401]);
    expect(await answersTo(after, NEW.ingest)).toEqual([201, 201]);
  });
});
