import type { Context } from 'aws-lambda';
import { config, getStore } from '../lib/app/runtime';
import { compactRequest } from '../lib/lake/compact-request';
import { CompactionError, type CompactionSummary, compactHours } from '../lib/lake/compaction';
import { countCompaction } from '../lib/lake/metrics';
import { log } from '../lib/platform/log';
import { withTelemetry } from '../lib/platform/metrics';

/** Units are not started with less than this left before the function's timeout. */
const TIME_RESERVE_MS = 60_000;

/**
 * Scheduled every hour, and runnable by hand: plans each closed hour of
 * the look-back window that is not done, and runs its parts and seals
 * (lib/lake/compaction.ts). An hour it could not plan, or a unit that
 * failed, fails the invocation after the others; the next run retries.
 */
export const handler = withTelemetry(
  async (event: unknown, context?: Context): Promise<CompactionSummary> => {
    const request = compactRequest(event);
    const run = await compactHours(getStore(), {
      now: Date.now(),
      afterHours: request.afterHours ?? config.compactAfterHours,
      lookbackHours: request.lookbackHours ?? config.compactLookbackHours,
      retryWindowMs: config.retryWindowMs,
      outOfTime: () => (context ? context.getRemainingTimeInMillis() < TIME_RESERVE_MS : false),
    });
    log.info('compaction finished', { ...run, plan: undefined, failed: run.failed.length });
    countCompaction(run);
    const failed = [...run.plan.failed, ...run.failed];
    if (failed.length > 0) {
      const what = failed.map((f) => `${f.partition} (${f.error})`).join('; ');
      throw new CompactionError(`${failed.length} hours or units not done: ${what}`);
    }
    return run;
  },
);
