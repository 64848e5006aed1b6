import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { escalate } from '../../lib/failures/escalation/escalation';
import type { IssueEscalationPayload } from '../../lib/failures/escalation/escalation-payload';
import { escalationClaimKey } from '../../lib/storage/keys';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { type SegmentStore, storeView } from '../../lib/storage/store';
import { freshContainer } from '../support/container';
import { bodyOf, httpEvent } from '../support/events';
import { escalationConfig, type HookReceiver, startHookReceiver } from '../support/hook-receiver';
import { issueTransition } from '../support/issue-transition';
import { captureLogs } from '../support/logs';
import { op } from '../support/ops';
import { rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

const SECRET = 'whsec-0123456789abcdef';
const TOKEN = 'an-api-token-of-24-chars';
const MIN = 60_000;

let receiver: HookReceiver;
beforeEach(async () => {
  receiver = await startHookReceiver();
});
afterEach(() => receiver.close());

/** Where the issues' claims are kept. */
const CLAIMS = escalationClaimKey('x').slice(0, -'x.json'.length);

const storeAt = (prefix: string) => new S3SegmentStore(s3, inject('s3Bucket'), prefix);

/**
 * Wraps each container's own store (its own modules, so its own error
 * classes) so that, after reading the issue's claim, it waits until the
 * other has read it too: both containers decide on the same claim.
 */
function claimRace(): (store: SegmentStore) => SegmentStore {
  let readers = 0;
  let release: () => void = () => undefined;
  const bothRead = new Promise<void>((resolve) => {
    release = resolve;
  });
  return (store) =>
    storeView(store, {
      getObject: async (key) => {
        const found = await store.getObject(key);
        if (key.startsWith(CLAIMS) && ++readers <= 2) {
          if (readers === 2) release();
          await bothRead;
        }
        return found;
      },
    });
}

describe('escalation on the local S3', () => {
  it('relies on S3 refusing a second put-if-absent of one key', async () => {
    const key = `${uniquePrefix('if-none-match')}claim.json`;
    const put = () =>
      s3.send(
        new PutObjectCommand({
          Bucket: inject('s3Bucket'),
          Key: key,
          Body: '{}',
          IfNoneMatch: '*',
        }),
      );
    await put();

    await expect(put()).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
  });

  it('delivers exactly once when two snapshot containers run at once', async () => {
    const prefix = uniquePrefix('esc-race');
    const writer = storeAt(prefix);
    const failing = Array.from({ length: 12 }, (_, i) =>
      op('tools/call', { success: false, error: `connection refused to db-${i}` }),
    );
    // Stored a minute ago: older than the skew window, so the fold counts them.
    const at = Date.now() - MIN;
    for (const [i, o] of failing.entries()) await writer.append([o], new Date(at + i));
    const env = {
      OBSERVER_PREFIX: prefix,
      OBSERVER_ESCALATION_URL: receiver.url,
      OBSERVER_ESCALATION_SECRET: SECRET,
    };
    const a = await freshContainer(env);
    const b = await freshContainer(env);
    const racing = claimRace();
    for (const c of [a, b]) c.runtime.resetRuntime({ store: racing(c.runtime.getStore()) });

    const logs = captureLogs('info', 'warn', 'error');

    const results = await Promise.all([a.snapshot(), b.snapshot()]);

    expect(results.map((r) => r.ops)).toEqual([12, 12]);
    expect(receiver.received).toHaveLength(1);
    const runs = logs.logLines('escalation run');
    expect(runs.map((r) => [r.delivered, r.skipped, r.errors]).sort()).toEqual([
      [0, { taken: 1 }, 0],
      [1, {}, 0],
    ]);
    const payload = JSON.parse(receiver.received[0]?.body ?? '') as IssueEscalationPayload;
    expect(payload.prefix).toBe(prefix);
    expect(payload.type).toBe('issue.escalating');
    expect(payload.issue).toMatchObject({ count: 12, template: 'connection refused to <*>' });
    expect(payload.transition).toMatchObject({ kind: 'escalating', current: 12, threshold: 10 });
    expect(payload.samples.map((s) => s.op?.error)).toEqual([
      'connection refused to db-11',
      'connection refused to db-10',
      'connection refused to db-9',
    ]);
    const listed = bodyOf(await listRoute(prefix, {}));
    expect(listed.escalations).toEqual([
      expect.objectContaining({ id: payload.id, outcome: 'delivered', payload }),
    ]);
  });

  it('writes the snapshot even when escalation breaks, and logs why', async () => {
    const prefix = uniquePrefix('esc-broken');
    const writer = storeAt(prefix);
    for (let i = 0; i < 10; i++) {
      await writer.append(
        [op('tools/call', { success: false, error: `timeout ${i}` })],
        new Date(Date.now() - MIN + i),
      );
    }
    const c = await freshContainer({
      OBSERVER_PREFIX: prefix,
      OBSERVER_ESCALATION_URL: receiver.url,
    });
    const store = c.runtime.getStore();
    const claimsDown = storeView(store, {
      getObject: async (key) => {
        if (key.startsWith(CLAIMS)) throw new Error('S3 is down for claims');
        return store.getObject(key);
      },
    });
    c.runtime.resetRuntime({ store: claimsDown });
    const logs = captureLogs('error', 'info', 'warn');

    const result = await c.snapshot();

    expect(result.ops).toBe(10);
    expect(logs.logLines('escalation failed', 'error')).toEqual([
      expect.objectContaining({ err: 'Error: S3 is down for claims' }),
    ]);
    expect(logs.logLines('escalation run')).toEqual([expect.objectContaining({ errors: 1 })]);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('GET /observer/escalations', () => {
  /** Three escalations of three issues, a minute apart, the second rejected. */
  async function threeEscalations(prefix: string): Promise<string[]> {
    const store = storeAt(prefix);
    const start = Date.now() - 10 * MIN;
    receiver.answer(200, 400, 200);
    for (const [i, id] of ['aaaa', 'bbbb', 'cccc'].entries()) {
      const now = start + i * MIN;
      await escalate([issueTransition(now, { issue: { id } })], {
        store,
        now,
        config: escalationConfig(receiver.url),
      });
    }
    return ['cccc', 'bbbb', 'aaaa'];
  }

  it('lists the escalation records newest first, each with its payload, attempts and outcome', async () => {
    const prefix = uniquePrefix('esc-list');
    const newestFirst = await threeEscalations(prefix);

    const res = await listRoute(prefix, {});

    expect(res.statusCode).toBe(200);
    const body = bodyOf(res) as { limit: number; escalations: Record<string, unknown>[] };
    expect(body.limit).toBe(20);
    expect(body.escalations.map((e) => e.cluster_id)).toEqual(newestFirst);
    expect(body.escalations.map((e) => e.outcome)).toEqual(['delivered', 'rejected', 'delivered']);
    expect(body.escalations[1]).toMatchObject({
      round: 1,
      signed: false,
      attempts: [expect.objectContaining({ status: 400, response: 'answered 400' })],
      payload: expect.objectContaining({ type: 'issue.escalating' }),
    });
  });

  it('answers only `limit` records, the newest', async () => {
    const prefix = uniquePrefix('esc-limit');
    const newestFirst = await threeEscalations(prefix);

    const body = bodyOf(await listRoute(prefix, { limit: '2' })) as {
      escalations: { cluster_id: string }[];
    };

    expect(body.escalations.map((e) => e.cluster_id)).toEqual(newestFirst.slice(0, 2));
  });

  it('answers an empty list when nothing was escalated', async () => {
    const res = await listRoute(uniquePrefix('esc-none'), {});

    expect(bodyOf(res)).toEqual({ limit: 20, escalations: [] });
  });

  it.each(['0', '101', 'ten', '2.5', ''])('answers 400 for limit=%s', async (limit) => {
    const res = await listRoute(uniquePrefix('esc-bad'), { limit });

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).error).toBe('invalid query: limit: must be a whole number from 1 to 100');
  });

  it('answers 400 naming a parameter it does not take', async () => {
    const res = await listRoute(uniquePrefix('esc-unknown'), { cluster: 'aaaa' });

    expect(res.statusCode).toBe(400);
    expect(bodyOf(res).fields).toEqual([
      { field: 'cluster', message: 'is not a parameter of this route' },
    ]);
  });

  it('asks for the token as the stats route does', async () => {
    const prefix = uniquePrefix('esc-token');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_API_TOKEN: TOKEN });
    const { handler } = await import('../../handlers/escalations');
    const path = '/observer/escalations';

    const refused = await handler(httpEvent({ path }));
    const admitted = await handler(
      httpEvent({ path, headers: { authorization: `Bearer ${TOKEN}` } }),
    );

    expect(c.runtime.config.apiToken).toBe(TOKEN);
    expect(refused.statusCode).toBe(401);
    expect(admitted.statusCode).toBe(200);
  });
});

/** GET /observer/escalations in a new container on the prefix. */
async function listRoute(prefix: string, query: Record<string, string>) {
  await freshContainer({ OBSERVER_PREFIX: prefix });
  const { handler } = await import('../../handlers/escalations');
  return handler(httpEvent({ path: '/observer/escalations', query }));
}
