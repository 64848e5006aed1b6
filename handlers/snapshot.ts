import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { config, getFolder, getObserver } from '../lib/app/runtime';
import { escalateTransitions } from '../lib/issues/notify';
import { log, logger } from '../lib/platform/log';
import { MetricName, metrics, withTelemetry } from '../lib/platform/metrics';
import { keepCheckpointFresh, takeSnapshot } from '../lib/stats/writer';

/** Escalation may take this long at most, and leaves this much of the function's time. */
const ESCALATION_BUDGET_MS = 45_000;
const TIME_RESERVE_MS = 10_000;
/** The checkpoint is kept fresh until this long after the invocation began: the next one takes over. */
const FRESH_FOR_MS = 58_000;

/**
 * Scheduled every minute: refresh the ring, fold the new segments into the
 * issues, then write the stats snapshot and the ring checkpoint. A failure
 * of the snapshot throws, so the invocation is marked failed (and retried
 * by EventBridge); the previous checkpoint stays in place; a failed fold is
 * logged and the snapshot written without it. Then escalate the issues'
 * transitions into escalating and regressed, which never fails it. Then,
 * while ops keep arriving, fold and write the checkpoint every
 * OBSERVER_CHECKPOINT_INTERVAL_MS until the next invocation takes over.
 */
export const handler = withTelemetry(
  async (_event?: unknown, context?: Context): Promise<{ generated_at: string; ops: number }> => {
    const started = Date.now();
    const observer = getObserver('writer');
    const folder = getFolder();
    const taken = await takeSnapshot(observer, folder);
    const snap = taken.snapshot;
    log.info('snapshot written', {
      generated_at: snap.generated_at,
      ops: snap.total,
      cold_start: logger.isServingColdStart(),
      ...(taken.fold
        ? { fold: { ...taken.fold, transitions: taken.fold.transitions.length } }
        : {}),
    });
    metrics.addMetric(MetricName.RingSize, MetricUnit.Count, snap.total);
    const left = context ? context.getRemainingTimeInMillis() - TIME_RESERVE_MS : Infinity;
    if (taken.book) {
      await escalateTransitions(taken.book, {
        store: observer.store,
        config: config.escalation,
        prefix: config.prefix,
        budgetMs: Math.max(0, Math.min(ESCALATION_BUDGET_MS, left)),
        now: taken.now,
        entries: taken.entries,
      });
    }
    const remaining = () => (context ? context.getRemainingTimeInMillis() - TIME_RESERVE_MS : 0);
    const checkpoints = await keepCheckpointFresh(observer, {
      intervalMs: config.checkpointIntervalMs,
      folder,
      continueWhile: () =>
        remaining() > config.checkpointIntervalMs && Date.now() - started < FRESH_FOR_MS,
    });
    log.info('checkpoint kept fresh', { checkpoints });
    return { generated_at: snap.generated_at, ops: snap.total };
  },
);
