import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { escalateAfterSnapshot } from '../../../lib/failures/escalation-run';
import type { EscalationConfig } from '../../../lib/platform/config';
import { Observer } from '../../../lib/ring/observer';
import type { RingEntry } from '../../../lib/ring/ring';
import { storeView } from '../../../lib/storage/store';
import { failureCluster } from '../../support/failure-cluster';
import { type HookReceiver, startHookReceiver } from '../../support/hook-receiver';
import { captureLogs } from '../../support/logs';
import { MemorySegmentStore, NO_CALLS } from '../../support/memory-store';
import { op } from '../../support/ops';

// Clustering stands in as one cluster of the ring's failed ops, sampling the newest.
vi.mock('../../../lib/failures/ring-clusters', () => ({
  ringClusters: (entries: readonly RingEntry[], now: number) => {
    const failed = entries.filter((e) => !e.op.success);
    const newest = failed.at(-1);
    return failed.length === 0
      ? []
      : [
          failureCluster(now, {
            count: failed.length,
            trend: { last_hour: failed.length, hour_before: 0 },
            samples: newest ? [{ key: newest.key, line: newest.line }] : [],
          }),
        ];
  },
}));

let receiver: HookReceiver;
let store: MemorySegmentStore;
beforeEach(async () => {
  receiver = await startHookReceiver();
  store = new MemorySegmentStore();
});
afterEach(() => receiver.close());

const config = (fields: Partial<EscalationConfig> = {}): EscalationConfig => ({
  url: receiver.url,
  secret: undefined,
  minCount: 10,
  windowMinutes: 15,
  growth: 3,
  cooldownMinutes: 60,
  ...fields,
});

const observer = () => new Observer(store, { cap: 100, skewMs: 15_000, coldStartHours: 1 });

async function seedFailures(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await store.append([op('tools/call', { success: false, error: `timeout ${i}` })], new Date());
  }
}

describe('escalateAfterSnapshot', () => {
  it('escalates the clusters of the ring, its newest failure as the sample', async () => {
    await seedFailures(10);

    const summary = await escalateAfterSnapshot(observer(), {
      config: config(),
      prefix: 'team-a/',
      budgetMs: 30_000,
    });

    expect(summary).toMatchObject({ firing: 1, delivered: 1 });
    const payload = JSON.parse(receiver.received[0]?.body ?? '{}');
    expect(payload.prefix).toBe('team-a/');
    expect(payload.samples[0].op).toMatchObject({ error: 'timeout 9' });
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
