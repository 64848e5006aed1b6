import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escalateAfterSnapshot } from '../../../../lib/failures/escalation/escalation-run';
import type { EscalationConfig } from '../../../../lib/platform/config';
import { Observer } from '../../../../lib/ring/observer';
import { takeSnapshot } from '../../../../lib/stats/writer';
import { storeView } from '../../../../lib/storage/store';
import {
  escalationConfig,
  type HookReceiver,
  receiverAndStore,
} from '../../../support/hook-receiver';
import { captureLogs } from '../../../support/logs';
import { type MemorySegmentStore, NO_CALLS } from '../../../support/memory-store';
import { op } from '../../../support/ops';

let receiver: HookReceiver;
let store: MemorySegmentStore;
beforeEach(async () => ({ receiver, store } = await receiverAndStore()));
afterEach(() => receiver.close());

const config = (fields: Partial<EscalationConfig> = {}): EscalationConfig =>
  escalationConfig(receiver.url, fields);

const observer = () => new Observer(store, { cap: 100, skewMs: 15_000, coldStartHours: 1 });

async function seedFailures(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.append([op('tools/call', { success: false, error: `timeout ${i}` })], new Date());
  }
}

describe('escalateAfterSnapshot', () => {
  it('escalates the failure clusters of the ring, with their newest ops as samples', async () => {
    await seedFailures(10);

    const summary = await escalateAfterSnapshot(observer(), {
      config: config(),
      prefix: 'team-a/',
      budgetMs: 30_000,
    });

    expect(summary).toMatchObject({ firing: 1, delivered: 1 });
    const payload = JSON.parse(receiver.received[0]?.body ?? '{}');
    expect(payload.prefix).toBe('team-a/');
    expect(payload.cluster).toMatchObject({ endpoint: 'tools/call', count: 10 });
    expect(payload.samples.map((x: { op: { error: string } }) => x.op.error)).toEqual([
      'timeout 9',
      'timeout 8',
      'timeout 7',
    ]);
  });

  it('escalates the clusters a snapshot just made without listing or mining the ring again', async () => {
    await seedFailures(10);
    const o = observer();
    const taken = await takeSnapshot(o);
    const lists = store.calls.list;

    const summary = await escalateAfterSnapshot(o, {
      config: config(),
      prefix: 'team-a/',
      budgetMs: 30_000,
      taken,
    });

    expect(summary).toMatchObject({ firing: 1, delivered: 1 });
    expect(store.calls.list).toBe(lists);
    expect(JSON.parse(receiver.received[0]?.body ?? '{}').cluster.id).toBe(taken.clusters[0]?.id);
  });

  it('reads and writes nothing without a URL', async () => {
    await seedFailures(10);
    store.resetCalls();

    const summary = await escalateAfterSnapshot(observer(), {
      config: config({ url: undefined }),
      prefix: '',
      budgetMs: 30_000,
    });

    expect(summary).toBeUndefined();
    expect(store.calls).toEqual(NO_CALLS);
  });

  it('does not start with too little of the function’s time left, and says so', async () => {
    await seedFailures(10);
    const logs = captureLogs('warn');

    const summary = await escalateAfterSnapshot(observer(), {
      config: config(),
      prefix: '',
      budgetMs: 4_999,
    });

    expect(summary).toBeUndefined();
    expect(receiver.received).toHaveLength(0);
    expect(logs.logLines('no time left to escalate; the next run will')).toHaveLength(1);
  });

  it('logs a failure and never throws', async () => {
    await seedFailures(10);
    const down = storeView(store, {
      list: () => {
        throw new Error('S3 is down');
      },
    });
    const broken = new Observer(down, { cap: 100, skewMs: 15_000, coldStartHours: 1 });
    const logs = captureLogs('error', 'warn', 'info');

    const summary = await escalateAfterSnapshot(broken, {
      config: config(),
      prefix: '',
      budgetMs: 30_000,
    });

    expect(summary).toBeUndefined();
    expect(logs.logLines('escalation run failed; the snapshot is written', 'error')).toHaveLength(
      1,
    );
  });
});
