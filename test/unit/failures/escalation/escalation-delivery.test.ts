import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type DeliveryTarget,
  deliver,
  ESCALATION_ID_HEADER,
  SIGNATURE_HEADER,
} from '../../../../lib/failures/escalation/escalation-delivery';
import { type HookReceiver, startHookReceiver } from '../../../support/hook-receiver';

const SECRET = 'whsec-0123456789abcdef';
const BODY = JSON.stringify({ type: 'failure_cluster.escalated', id: 'c-1', note: 'é ✓' });
// Short pauses, so retries cost the test little; the logic is the same.
const TUNING = { maxAttempts: 4, attemptTimeoutMs: 2_000, backoffMs: 10, maxBackoffMs: 40 };

let receiver: HookReceiver;
beforeEach(async () => {
  receiver = await startHookReceiver();
});
afterEach(() => receiver.close());

const target = (fields: Partial<DeliveryTarget> = {}): DeliveryTarget => ({
  url: receiver.url,
  secret: SECRET,
  escalationId: 'c-1',
  fetch,
  clock: Date.now,
  deadline: Date.now() + 20_000,
  tuning: TUNING,
  ...fields,
});

/** Verifies a signature header as a receiver would (docs/escalation.md), with its own code. */
function verifies(header: string, body: string, secret: string, nowSeconds: number): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('deliver: the request', () => {
  it('POSTs the body as JSON, signed over the timestamp and the exact bytes sent', async () => {
    const result = await deliver(BODY, target());

    expect(result.outcome).toBe('delivered');
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    expect(req?.method).toBe('POST');
    expect(req?.body).toBe(BODY);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers[ESCALATION_ID_HEADER]).toBe('c-1');
    const signature = String(req?.headers[SIGNATURE_HEADER]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = Math.floor(Date.now() / 1000);
    expect(verifies(signature, req?.body ?? '', SECRET, now)).toBe(true);
  });

  it('gives a signature that fails for another body, another secret or an old timestamp', async () => {
    await deliver(BODY, target());
    const [req] = receiver.received;
    const signature = String(req?.headers[SIGNATURE_HEADER]);
    const now = Math.floor(Date.now() / 1000);

    expect(verifies(signature, `${BODY} `, SECRET, now)).toBe(false);
    expect(verifies(signature, BODY, `${SECRET}x`, now)).toBe(false);
    expect(verifies(signature, BODY, SECRET, now + 301)).toBe(false);
  });

  it('verifies with the receiver code docs/escalation.md gives', async () => {
    const snippet = /```js\n([\s\S]*?)```/.exec(readFileSync('docs/escalation.md', 'utf-8'))?.[1];
    const file = join(mkdtempSync(join(tmpdir(), 'verify-')), 'verify.mjs');
    writeFileSync(file, snippet ?? '');
    const { verifyObserverSignature } = (await import(pathToFileURL(file).href)) as {
      verifyObserverSignature: (body: string, header: string, secret: string) => boolean;
    };

    await deliver(BODY, target());
    const [req] = receiver.received;
    const header = String(req?.headers[SIGNATURE_HEADER]);

    expect(verifyObserverSignature(req?.body ?? '', header, SECRET)).toBe(true);
    expect(verifyObserverSignature(`${req?.body} `, header, SECRET)).toBe(false);
  });

  it('sends no signature without a secret', async () => {
    await deliver(BODY, target({ secret: undefined }));

    expect(receiver.received[0]?.headers[SIGNATURE_HEADER]).toBeUndefined();
  });
});

describe('deliver: retries', () => {
  it('retries after a 503 and is delivered by the second attempt', async () => {
    receiver.answer(503);

    const result = await deliver(BODY, target());

    expect(result.outcome).toBe('delivered');
    expect(result.attempts.map((a) => a.status)).toEqual([503, 200]);
    expect(result.attempts[0]?.response).toBe('answered 503');
    expect(receiver.received).toHaveLength(2);
    // Each attempt is signed anew, over the same body.
    const now = Math.floor(Date.now() / 1000);
    for (const req of receiver.received) {
      expect(verifies(String(req.headers[SIGNATURE_HEADER]), req.body, SECRET, now)).toBe(true);
    }
  });

  it('retries a 429 and a 500', async () => {
    receiver.answer(429, 500);

    const result = await deliver(BODY, target());

    expect(result.attempts.map((a) => a.status)).toEqual([429, 500, 200]);
    expect(result.outcome).toBe('delivered');
  });

  it.each([400, 401, 404, 422, 301])(
    'does not retry a %i: one attempt, rejected',
    async (status) => {
      receiver.answer(status);

      const result = await deliver(BODY, target());

      expect(result.outcome).toBe('rejected');
      expect(result.attempts).toEqual([expect.objectContaining({ status })]);
      expect(receiver.received).toHaveLength(1);
    },
  );

  it('stops after the last attempt: failed, with every attempt recorded', async () => {
    receiver.answer(503, 503, 502, 504);

    const result = await deliver(BODY, target());

    expect(result.outcome).toBe('failed');
    expect(result.attempts.map((a) => a.status)).toEqual([503, 503, 502, 504]);
    expect(receiver.received).toHaveLength(4);
  });

  it('times an attempt out and retries it', async () => {
    receiver.answer('hang');

    const result = await deliver(BODY, target({ tuning: { ...TUNING, attemptTimeoutMs: 1_000 } }));

    expect(result.outcome).toBe('delivered');
    expect(result.attempts[0]).toMatchObject({ error: 'no answer within 1000 ms' });
    expect(result.attempts[0]?.status).toBeUndefined();
    expect(result.attempts[1]).toMatchObject({ status: 200 });
  });

  it('retries a refused connection, naming the cause, and fails when it never answers', async () => {
    const closed = await freePort();

    const result = await deliver(BODY, target({ url: `http://127.0.0.1:${closed}/hooks` }));

    expect(result.outcome).toBe('failed');
    expect(result.attempts).toHaveLength(4);
    expect(result.attempts[0]?.error).toMatch(/ECONNREFUSED/);
  });

  it('waits as long as a short Retry-After asks', async () => {
    receiver.answer({ status: 503, headers: { 'retry-after': '1' } });

    const result = await deliver(BODY, target());

    expect(result.outcome).toBe('delivered');
    const [first, second] = result.attempts;
    expect(Date.parse(second?.at ?? '') - Date.parse(first?.at ?? '')).toBeGreaterThanOrEqual(1000);
  });

  it('starts no attempt, and waits for none, past the deadline', async () => {
    receiver.answer(503, 503, 503);
    let now = 0;
    const clock = () => now;

    const past = await deliver(BODY, target({ clock, deadline: 0 }));
    now = 0;
    const short = await deliver(
      BODY,
      target({ clock, deadline: 5, tuning: { ...TUNING, backoffMs: 10, maxBackoffMs: 10 } }),
    );

    expect(past).toEqual({ outcome: 'failed', attempts: [] });
    expect(short.outcome).toBe('failed');
    expect(short.attempts).toHaveLength(1);
  });
});

/** A port nothing listens on (bound, then closed). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
