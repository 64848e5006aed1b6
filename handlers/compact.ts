import type { Context } from 'aws-lambda';
import { config, getStore } from '../lib/app/runtime';
import { compactRequest } from '../lib/lake/compact-request';
import { CompactionError, type CompactionSummary, compactHours } from '../lib/lake/compaction';
import { countCompaction } from '../lib/lake/metrics';
import { log } from '../lib/platform/log';
import { withTelemetry } from '../lib/platform/metrics';

/** Hours are not started with less than this left before the function's timeout. */
const TIME_RESERVE_MS = 60_000;

/**
 * Scheduled every hour, and runnable by hand: merges each closed hour's
 * segments into one compacted object (see lib/lake/compaction.ts). A failed hour
 * fails the invocation after the others are done; the next run retries it.
 */
export const handler = withTelemetry(
  async (event: unknown, context?: Context): Promise<CompactionSummary> => {
    const request = compactRequest(event);
    const summary = await compactHours(getStore(), {
      now: Date.now(),
      afterHours: request.afterHours ?? config.compactAfterHours,
      lookbackHours: request.lookbackHours ?? config.compactLookbackHours,
      retryWindowMs: config.retryWindowMs,
      outOfTime: () => (context ? context.getRemainingTimeInMillis() < TIME_RESERVE_MS : false),
    });
    log.info('compaction finished', { ...summary, failed: summary.failed.length });
    countCompaction(summary);
    if (summary.failed.length > 0) {
      const hours = summary.failed.map((f) => `${f.partition} (${f.error})`).join('; ');
      throw new CompactionError(`${summary.failed.length} hours not compacted: ${hours}`);
    }
    return summary;
  },
);
