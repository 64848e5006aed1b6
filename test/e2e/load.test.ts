import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { checkS3, type LoadResult, loadOp, sendLoad } from '../../dev/load-run';
import { stackEnv } from '../support/e2e';
import { rawClient, uniquePrefix } from '../support/s3';
import { type Offline, startOffline } from '../support/serverless';

// 2,000 events from 32 clients through serverless-offline, right after it
// starts. The emulator may time requests out on a busy machine (and answer
// them with its own error); each op carries an id and is sent again after
// a 5xx, an emulator error or no answer, as a client would, so what this
// checks does not depend on how fast the machine is: every op is
// acknowledged, stored, and counted once.

const s3 = rawClient();
const EVENTS = 2_000;
const prefix = uniquePrefix('e2e-load');
const token = 'a-load-test-token-0123456789';
const ids = Array.from({ length: EVENTS }, (_, i) => String(loadOp(i).id));

describe('load through serverless-offline: 2,000 events from 32 clients', () => {
  let api: Offline;
  let run: LoadResult;

  beforeAll(async () => {
    api = await startOffline({
      ...stackEnv(prefix),
      OBSERVER_RING_CAP: String(EVENTS),
      OBSERVER_API_TOKEN: token,
    });
    run = await sendLoad({
      url: api.url,
      events: EVENTS,
      concurrency: 32,
      maxMs: 600_000,
      token,
      retries: 20,
    });
  }, 660_000);

  afterAll(async () => {
    await api?.stop();
  });

  it('acknowledges every op: 201, or 200 for a retry the service already had', () => {
    expect(run.sent).toBe(EVENTS);
    expect(run.noAnswer).toBe(0);
    const acknowledged = (run.statuses[201] ?? 0) + (run.statuses[200] ?? 0);
    expect({ acknowledged, statuses: run.statuses }).toEqual({
      acknowledged: EVENTS,
      statuses: expect.not.objectContaining({ 500: expect.anything() }),
    });
  });

  it('stores every op, each acknowledged key holding the op it was acknowledged for', async () => {
    const check = await checkS3(s3, inject('s3Bucket'), prefix, run.acked);

    expect(check.missing).toEqual([]);
    expect(check.mismatched).toEqual([]);
    expect(ids.filter((id) => !check.copies.has(id))).toEqual([]);
    expect([...check.copies.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  });

  it('counts every op once in stats', async () => {
    const res = await fetch(`${api.url}/observer/stats`, {
      headers: { authorization: `Bearer ${token}` },
    });

    expect(res.status).toBe(200);
    expect(((await res.json()) as { total: number }).total).toBe(EVENTS);
  });
});
