import { beforeEach, describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { handler as health } from '../../../handlers/health';
import { handler as notFound } from '../../../handlers/not-found';
import { handler as stats } from '../../../handlers/stats';
import { resetRuntime } from '../../../lib/app/runtime';
import { MAX_OP_BYTES } from '../../../lib/domain/op';
import { MAX_BODY_BYTES } from '../../../lib/http/request';
import type { HttpResult } from '../../../lib/http/response';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { bodyOf, getStats, httpEvent, postOp } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore } from '../../support/memory-store';

// What every answer looks like, whatever the route and the status: JSON,
// with the safe headers, and never a stack trace.

let store: MemorySegmentStore;

beforeEach(() => {
  store = new MemorySegmentStore();
  resetRuntime({ store });
  captureLogs('error', 'warn');
});

const base64Post = (text: string, contentType = 'application/json') =>
  httpEvent({
    method: 'POST',
    path: '/observer/event',
    body: Buffer.from(text, 'utf-8').toString('base64'),
    isBase64Encoded: true,
    headers: { 'content-type': contentType },
  });

/** A store whose every call throws what it is given. */
function failingStore(err: unknown): MemorySegmentStore {
  const failing = new MemorySegmentStore();
  failing.append = async () => {
    throw err;
  };
  failing.list = () => ({
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        throw err;
      },
    }),
  });
  return failing;
}

const answers: Array<[string, number, () => Promise<HttpResult>]> = [
  ['an accepted op', 201, () => event(postOp({ endpoint: 'x' }))],
  ['stats', 200, () => stats(getStats())],
  ['health', 200, () => health(httpEvent())],
  [
    'invalid JSON',
    400,
    () => event(httpEvent({ method: 'POST', path: '/observer/event', body: '{"endpoint":' })),
  ],
  ['an invalid op', 400, () => event(postOp({ endpoint: '' }))],
  ['an unknown route', 404, () => notFound(httpEvent({ path: '/nope' }))],
  ['a wrong method', 405, () => notFound(httpEvent({ path: '/observer/stats', method: 'POST' }))],
  ['a body over 1 MiB', 413, () => event(postOp({ endpoint: 'x', b: 'b'.repeat(MAX_BODY_BYTES) }))],
  ['an op over 64 KiB', 413, () => event(postOp({ endpoint: 'x', b: 'b'.repeat(MAX_OP_BYTES) }))],
  [
    'a text/plain body',
    415,
    () => event(postOp({ endpoint: 'x' }, { 'content-type': 'text/plain' })),
  ],
  [
    'a store outage on event',
    503,
    async () => {
      resetRuntime({ store: failingStore(new StoreUnavailableError('down')) });
      return event(postOp({ endpoint: 'x' }));
    },
  ],
  [
    'a store outage on a cold stats',
    503,
    async () => {
      resetRuntime({ store: failingStore(new StoreUnavailableError('down')) });
      return stats(getStats());
    },
  ],
  [
    'a bug',
    500,
    async () => {
      resetRuntime({
        store: failingStore(new TypeError("Cannot read properties of undefined (reading 'x')")),
      });
      return event(postOp({ endpoint: 'x' }));
    },
  ],
];

describe('every answer', () => {
  it.each(answers)(
    'to %s (%i) is JSON with nosniff and no stack trace',
    async (_label, status, send) => {
      const res = await send();

      expect(res.statusCode).toBe(status);
      expect(res.headers).toMatchObject({
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      const body = bodyOf(res);
      if (status >= 400) expect(body.error).toEqual(expect.any(String));
      expect(res.body).not.toMatch(/\bat .+:\d+:\d+|TypeError|Cannot read properties/);
    },
  );
});

describe('base64-encoded bodies', () => {
  it('are measured after decoding: a body that fits decoded is taken, though its base64 does not', async () => {
    // JSON may carry whitespace: 900 KB decoded, 1.2 MB as base64, a small op.
    const text = `${JSON.stringify({ endpoint: 'x' })}${' '.repeat(900_000)}`;
    const event64 = base64Post(text);
    expect(Buffer.byteLength(event64.body ?? '')).toBeGreaterThan(MAX_BODY_BYTES);

    const res = await event(event64);

    expect(res.statusCode).toBe(201);
  });

  it('answer 413 when the decoded body is over 1 MiB', async () => {
    const res = await event(base64Post(`"${'a'.repeat(MAX_BODY_BYTES)}"`));

    expect(res.statusCode).toBe(413);
    expect(bodyOf(res).error).toMatch(/limit is 1048576/);
  });

  it('answer 413 when the decoded op is over 64 KiB', async () => {
    const res = await event(
      base64Post(JSON.stringify({ endpoint: 'x', b: 'b'.repeat(MAX_OP_BYTES) })),
    );

    expect(res.statusCode).toBe(413);
    expect(bodyOf(res).error).toMatch(/limit is 65536/);
  });

  it('answer 415 for a non-JSON content type, whatever they hold', async () => {
    const res = await event(base64Post(JSON.stringify({ endpoint: 'x' }), 'text/csv'));

    expect(res.statusCode).toBe(415);
    expect(store.calls.append).toBe(0);
  });

  it('answer 400 when they decode to invalid UTF-8 or not JSON', async () => {
    const res = await event(
      httpEvent({
        method: 'POST',
        path: '/observer/event',
        body: Buffer.from([0xff, 0xfe, 0x7b, 0x00]).toString('base64'),
        isBase64Encoded: true,
      }),
    );

    expect(res.statusCode).toBe(400);
  });
});
