import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RingEntry } from '../../../../lib/domain/entry';
import type { ObservedOp } from '../../../../lib/domain/op';
import { clusterFailures } from '../../../../lib/failures/clustering/clusters';
import type { ReviewModelConfig } from '../../../../lib/failures/review/review-model';
import { answerReview } from '../../../../lib/failures/review/review-service';
import { HOUR_MS, segmentKey } from '../../../../lib/storage/keys';
import { MemorySegmentStore } from '../../../support/memory-store';
import { op } from '../../../support/ops';

// A fake chat-completions endpoint on the loopback interface: what a review
// sends it, and how a review takes each kind of answer.

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

interface FakeModel {
  url: string;
  requests: { headers: IncomingMessage['headers']; body: Record<string, unknown> }[];
  reply: Reply;
}

const NOW = Date.UTC(2026, 10, 24, 21, 0, 0);
let server: Server;
let fake: FakeModel;

beforeEach(async () => {
  fake = { url: '', requests: [], reply: () => undefined };
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    req.on('end', () => {
      fake.requests.push({ headers: req.headers, body: JSON.parse(text) });
      fake.reply(req, res);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((closed) => server.close(closed));
});

/** Answers as a chat-completions endpoint does, with `content` as the message. */
const completion =
  (content: string): Reply =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'c-1',
        choices: [{ index: 0, message: { role: 'assistant', content } }],
      }),
    );
  };

const config = (fields: Partial<ReviewModelConfig> = {}): ReviewModelConfig => ({
  url: fake.url,
  model: 'reviewer-1',
  key: 'sk-test',
  timeoutMs: 5_000,
  ...fields,
});

const fail = (error: string, fields: Partial<ObservedOp> = {}) =>
  op('tools/call', { success: false, error, ...fields });

/** A ring where "timeout after N ms" on tools/call is a known, steady cluster (3 ops 90 min ago). */
const steadyRing: RingEntry[] = [1, 2, 3].map((i) => ({
  key: segmentKey(new Date(NOW - 90 * 60_000 + i), `s${i}`),
  line: 0,
  op: fail(`timeout after ${i * 10} ms`, { staffer_id: `w-${i}` }),
}));

/** Reviews an op that sits in the steady cluster, with no streak: the rules are inconclusive. */
const reviewInconclusive = (model: ReviewModelConfig | undefined) =>
  answerReview(
    { op: fail('timeout after 77 ms', { role: 'welder', input_summary: 'weld seam 4' }) },
    {
      store: new MemorySegmentStore(),
      entries: [
        ...steadyRing,
        { key: segmentKey(new Date(NOW - HOUR_MS / 2), 'ok'), line: 0, op: op('tools/call') },
      ],
      now: NOW,
      clusterFailures,
      ...(model ? { model } : {}),
    },
  );

describe('the fallback model of a review', () => {
  it('is asked when the rules are inconclusive, and its answer decides', async () => {
    fake.reply = completion(
      '{"action":"check_endpoint","reason":"The tool times out under load."}',
    );

    const review = await reviewInconclusive(config());

    expect(review.rules).toMatchObject({ rule: 'inconclusive', conclusive: false });
    expect(review).toMatchObject({
      action: 'check_endpoint',
      reason: 'The tool times out under load.',
      decided_by: 'model',
      model: { name: 'reviewer-1', action: 'check_endpoint' },
    });
  });

  it('sends the model, the key and the findings as a chat-completions request', async () => {
    fake.reply = completion('```json\n{"action":"monitor","reason":"Steady."}\n```');

    const review = await reviewInconclusive(config());

    expect(review.decided_by).toBe('model');
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.body).toMatchObject({ model: 'reviewer-1', temperature: 0 });
    const messages = request?.body.messages as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    const facts = JSON.parse(messages[1]?.content ?? '{}');
    expect(facts.op).toMatchObject({
      error: 'timeout after 77 ms',
      role: 'welder',
      input_summary: 'weld seam 4',
    });
    expect(facts.cluster).toMatchObject({
      template: expect.stringMatching(/^timeout after/),
      count: 3,
    });
  });

  it('gives up after its timeout and answers with the rules and the error', async () => {
    fake.reply = () => undefined; // never answers

    const review = await reviewInconclusive(config({ timeoutMs: 200 }));

    expect(review).toMatchObject({
      action: 'monitor',
      decided_by: 'rules',
      model: { error: 'the model did not answer within 200 ms' },
    });
  });

  it.each([
    ['a message that is not JSON', completion('I think you should check the endpoint.')],
    ['an action outside the table', completion('{"action":"reboot","reason":"why not"}')],
    ['a body that is not a completion', completion('') as Reply],
  ])('keeps the rules for %s, saying the answer was malformed', async (_name, reply) => {
    fake.reply = reply;

    const review = await reviewInconclusive(config());

    expect(review).toMatchObject({ action: 'monitor', decided_by: 'rules' });
    expect((review.model as { error: string }).error).toMatch(/^malformed answer/);
  });

  it('keeps the rules when the endpoint answers an error status', async () => {
    fake.reply = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"overloaded"}');
    };

    const review = await reviewInconclusive(config());

    expect(review.model).toEqual({ error: 'the model answered HTTP 500' });
    expect(review.action).toBe('monitor');
  });

  it('keeps the rules when the endpoint cannot be reached', async () => {
    const closed = `${fake.url.replace(/:\d+\//, ':1/')}`;

    const review = await reviewInconclusive(config({ url: closed }));

    expect((review.model as { error: string }).error).toMatch(/^the model could not be reached/);
  });

  it('is not asked when the rules are conclusive', async () => {
    fake.reply = completion('{"action":"none","reason":"-"}');

    const review = await answerReview(
      { op: fail('disk full on /dev/sda1') },
      {
        store: new MemorySegmentStore(),
        entries: steadyRing,
        now: NOW,
        clusterFailures,
        model: config(),
      },
    );

    expect(review).toMatchObject({ action: 'investigate', decided_by: 'rules' });
    expect(review.rules.rule).toBe('new_cluster');
    expect(review.model).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });

  it('is not asked when none is configured', async () => {
    const review = await reviewInconclusive(undefined);

    expect(review).toMatchObject({ action: 'monitor', decided_by: 'rules' });
    expect(review.model).toBeUndefined();
    expect(fake.requests).toHaveLength(0);
  });
});
