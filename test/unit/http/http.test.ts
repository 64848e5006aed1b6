import { describe, expect, it } from 'vitest';
import { MAX_OP_BYTES } from '../../../lib/domain/op';
import { HttpError, toResponse } from '../../../lib/http/errors';
import { httpHandler } from '../../../lib/http/handler';
import { invalidUtf8Offset, MAX_BODY_BYTES, readJsonBody } from '../../../lib/http/request';
import { json } from '../../../lib/http/response';
import { opFromBody } from '../../../lib/ingest/requests';
import { StoreUnavailableError } from '../../../lib/storage/errors';
import { bodyOf, httpEvent } from '../../support/events';
import { captureLogs } from '../../support/logs';
import { answerTo, thrownBy } from '../../support/thrown';

const NOW = new Date('2026-11-24T21:15:03.123Z');

/** The HttpError a call throws; fails the test when it throws nothing or something else. */
const httpErrorOf = (fn: () => unknown) => thrownBy(HttpError, fn);

function postBody(body: string, headers: Record<string, string> = {}, isBase64Encoded = false) {
  return httpEvent({ method: 'POST', path: '/observer/event', body, headers, isBase64Encoded });
}

const JSON_TYPE = { 'content-type': 'application/json' };

/** A JSON string literal of exactly `bytes` bytes. */
const jsonStringOfBytes = (bytes: number) => `"${'a'.repeat(bytes - 2)}"`;

describe('json', () => {
  it('answers JSON with safe headers', () => {
    const res = json(201, { ok: true });

    expect(res.statusCode).toBe(201);
    expect(res.headers).toMatchObject({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
    });
    expect(res.body).toBe('{"ok":true}');
  });

  it('adds extra headers to the safe ones', () => {
    const res = json(503, { error: 'x' }, { 'retry-after': '1' });

    expect(res.headers).toMatchObject({
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'retry-after': '1',
    });
  });
});

describe('toResponse', () => {
  it('answers an HttpError with its status, message, details and headers', () => {
    const err = new HttpError(
      422,
      'unprocessable',
      { fields: [{ field: 'endpoint', message: 'must not be empty' }] },
      { 'x-extra': 'yes' },
    );

    const res = toResponse(err);

    expect(res.statusCode).toBe(422);
    expect(bodyOf(res)).toStrictEqual({
      error: 'unprocessable',
      fields: [{ field: 'endpoint', message: 'must not be empty' }],
    });
    expect(res.headers).toMatchObject({ 'x-extra': 'yes', 'content-type': 'application/json' });
  });

  it('answers a store outage with 503 and retry-after, saying nothing was recorded', () => {
    captureLogs('error');

    const res = toResponse(
      new StoreUnavailableError('PutObject failed: SlowDown', { outcome: 'not-recorded' }),
    );

    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': expect.any(String) });
    expect(bodyOf(res)).toStrictEqual({ error: expect.stringContaining('retry'), recorded: false });
  });

  it('answers a failed read with 503 and says nothing of recording', () => {
    captureLogs('error');

    const res = toResponse(new StoreUnavailableError('listing segments failed'));

    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toStrictEqual({ error: 'storage is unavailable; retry later' });
  });

  it('answers a 5xx HttpError without its message', () => {
    const logs = captureLogs('error');

    const res = toResponse(new HttpError(502, 'upstream said: secret-detail'));

    expect(res.statusCode).toBe(502);
    expect(bodyOf(res)).toStrictEqual({ error: 'internal error' });
    expect(logs.texts('error').join('\n')).toContain('secret-detail');
  });

  it('says so when a write may or may not have been recorded', () => {
    captureLogs('error');

    const res = toResponse(new StoreUnavailableError('no answer', { outcome: 'unknown' }));

    expect(res.statusCode).toBe(503);
    expect(bodyOf(res)).toStrictEqual({
      error: expect.stringContaining('may or may not have been recorded'),
      recorded: 'unknown',
    });
  });

  it('answers any other error with a generic 500 and does not leak its message', () => {
    const logs = captureLogs('error');
    const err = new Error('connection string postgres://admin:hunter2@db', {
      cause: new Error('ECONNREFUSED'),
    });

    const res = toResponse(err);

    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toStrictEqual({ error: 'internal error' });
    expect(res.body).not.toContain('hunter2');
    expect(logs.texts('error')).toEqual([expect.stringContaining('ECONNREFUSED')]);
  });

  it('answers a thrown non-Error value with a generic 500', () => {
    captureLogs('error');

    const res = toResponse('secret string');

    expect(res.statusCode).toBe(500);
    expect(bodyOf(res)).toStrictEqual({ error: 'internal error' });
  });

  it('turns whatever a wrapped handler throws into a response', async () => {
    const handler = httpHandler(async () => {
      throw new HttpError(404, 'no such route');
    });

    const res = await handler(httpEvent());

    expect(res.statusCode).toBe(404);
    expect(bodyOf(res)).toStrictEqual({ error: 'no such route' });
  });
});

describe('readJsonBody', () => {
  it('parses a JSON body', () => {
    expect(readJsonBody(postBody('{"endpoint":"e"}', JSON_TYPE))).toEqual({ endpoint: 'e' });
  });

  it.each([
    ['a stray continuation byte', [0x80], 13],
    ['a truncated two-byte sequence', [0xc3], 13],
    ['an overlong encoding of "/"', [0xc0, 0xaf], 13],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80], 13],
    ['a code point beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 13],
  ])('answers 400 naming the byte offset of %s, storing nothing', (_label, bad, offset) => {
    const bytes = Buffer.concat([
      Buffer.from('{"endpoint":"'),
      Buffer.from(bad),
      Buffer.from('x"}'),
    ]);
    const { status, body } = answerTo(() =>
      readJsonBody(postBody(bytes.toString('base64'), JSON_TYPE, true)),
    );

    expect(status).toBe(400);
    expect(body).toEqual({
      error: `request body is not valid UTF-8: byte ${offset} starts no character`,
      offset,
    });
  });

  it('takes every valid UTF-8 character, from one to four bytes', () => {
    const text = '{"endpoint":"a é € 𝄞"}';

    expect(readJsonBody(postBody(Buffer.from(text).toString('base64'), JSON_TYPE, true))).toEqual({
      endpoint: 'a é € 𝄞',
    });
    expect(invalidUtf8Offset(Buffer.from(text))).toBe(-1);
  });

  it('decodes a base64-encoded body first', () => {
    const body = Buffer.from('{"endpoint":"é"}', 'utf-8').toString('base64');

    expect(readJsonBody(postBody(body, JSON_TYPE, true))).toEqual({ endpoint: 'é' });
  });

  it('accepts a body of exactly the limit', () => {
    const body = jsonStringOfBytes(MAX_BODY_BYTES);

    expect(readJsonBody(postBody(body, JSON_TYPE))).toHaveLength(MAX_BODY_BYTES - 2);
  });

  it('answers 413 for a body one byte over the limit', () => {
    const err = httpErrorOf(() =>
      readJsonBody(postBody(jsonStringOfBytes(MAX_BODY_BYTES + 1), JSON_TYPE)),
    );

    expect(err.status).toBe(413);
  });

  it('answers 413 for a base64-encoded body over the limit once decoded', () => {
    const body = Buffer.from(jsonStringOfBytes(MAX_BODY_BYTES + 1)).toString('base64');

    const err = httpErrorOf(() => readJsonBody(postBody(body, JSON_TYPE, true)));

    expect(err.status).toBe(413);
  });

  it('applies the limit to the decoded size, not the base64 text', () => {
    // base64 text is a third larger than the limit; the decoded body fits.
    const body = Buffer.from(jsonStringOfBytes(MAX_BODY_BYTES)).toString('base64');

    expect(readJsonBody(postBody(body, JSON_TYPE, true))).toHaveLength(MAX_BODY_BYTES - 2);
  });

  it('measures the body in bytes, not characters', () => {
    const body = `"${'é'.repeat(10)}"`; // 12 characters, 22 bytes

    const err = httpErrorOf(() => readJsonBody(postBody(body, JSON_TYPE), 20));

    expect(err.status).toBe(413);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp'])(
    'answers 415 for content-type %s',
    (type) => {
      const err = httpErrorOf(() => readJsonBody(postBody('{}', { 'content-type': type })));

      expect(err.status).toBe(415);
    },
  );

  it.each([
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'application/merge-patch+json; charset=UTF-8',
    'Application/JSON',
  ])('accepts content-type %s', (type) => {
    expect(readJsonBody(postBody('{"a":1}', { 'content-type': type }))).toEqual({ a: 1 });
  });

  it('finds the content-type header whatever the case of its name', () => {
    const err = httpErrorOf(() => readJsonBody(postBody('{}', { 'Content-Type': 'text/plain' })));

    expect(err.status).toBe(415);
  });

  it('accepts a body without a content-type', () => {
    expect(readJsonBody(postBody('{"a":1}'))).toEqual({ a: 1 });
  });

  it('answers 400 for an empty body', () => {
    expect(httpErrorOf(() => readJsonBody(postBody('', JSON_TYPE))).status).toBe(400);
  });

  it('answers 400 for a request without a body', () => {
    const event = httpEvent({ method: 'POST', path: '/observer/event', headers: JSON_TYPE });

    expect(httpErrorOf(() => readJsonBody(event)).status).toBe(400);
  });

  it.each(['{"endpoint":', 'not json', "{'a':1}"])('answers 400 for invalid JSON %s', (body) => {
    const err = httpErrorOf(() => readJsonBody(postBody(body, JSON_TYPE)));

    expect(err.status).toBe(400);
    expect(err.message).toMatch(/JSON/);
  });
});

describe('opFromBody', () => {
  it('returns the op with its defaults applied', () => {
    const op = opFromBody({ endpoint: 'e' }, NOW);

    expect(op).toStrictEqual({
      endpoint: 'e',
      success: false,
      timestamp: NOW.toISOString(),
      source: 'mcp',
    });
  });

  it('answers 400 with a fields array naming the bad field', () => {
    const { status, body } = answerTo(() => opFromBody({ endpoint: '  ' }, NOW));

    expect(status).toBe(400);
    expect(body.error).toContain('endpoint');
    expect(body.fields).toEqual([{ field: 'endpoint', message: expect.any(String) }]);
  });

  it('names every bad field in the 400', () => {
    const { status, body } = answerTo(() =>
      opFromBody({ endpoint: 'e', success: 'true', id: '' }, NOW),
    );

    expect(status).toBe(400);
    const fields = (body.fields ?? []).map((f) => f.field);
    expect(fields.sort()).toEqual(['id', 'success']);
  });

  it('answers 400 naming (body) for a body that is not an object', () => {
    const { status, body } = answerTo(() => opFromBody([{ endpoint: 'e' }], NOW));

    expect(status).toBe(400);
    expect(body.fields).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('answers 413 for an op over 64 KiB serialized', () => {
    const { status, body } = answerTo(() =>
      opFromBody({ endpoint: 'e', blob: 'x'.repeat(MAX_OP_BYTES) }, NOW),
    );

    expect(status).toBe(413);
    expect(body.error).toContain(String(MAX_OP_BYTES));
  });
});
