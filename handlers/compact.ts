import type { Context } from 'aws-lambda';
import { compactDispatcher, config, getStore } from '../lib/app/runtime';
import { compactRequest } from '../lib/lake/compact-request';
import { CompactionError, type CompactionSummary, compactHours } from '../lib/lake/compaction';
import { countCompaction, countPlanning } from '../lib/lake/metrics';
import { type PlanSummary, planRun } from '../lib/lake/plan';
import { settingsWith } from '../lib/lake/units';
import { log } from '../lib/platform/log';
import { withTelemetry } from '../lib/platform/metrics';

/** Units are not started with less than this left before the function's timeout. */
const TIME_RESERVE_MS = 60_000;

/**
 * Scheduled every hour, and runnable by hand: plans each closed hour of
 * the look-back window that is not done and dispatches its parts and
 * seals to the compaction queue (lib/lake/plan.ts), where compactWorker
 * runs them. Without a queue (npm start, invoke local) it runs them
 * itself. An hour it could not plan (or a unit it could not run) fails
 * the invocation after the others; the next run retries.
 */
export const handler = withTelemetry(
  async (event: unknown, context?: Context): Promise<PlanSummary | CompactionSummary> => {
    const request = compactRequest(event);
    const options = {
      now: Date.now(),
      afterHours: request.afterHours ?? config.compactAfterHours,
      lookbackHours: request.lookbackHours ?? config.compactLookbackHours,
      retryWindowMs: config.retryWindowMs,
    };
    const dispatcher = compactDispatcher();
    let failed: { partition: string; error: string }[];
    let summary: PlanSummary | CompactionSummary;
    if (dispatcher) {
      const plan = await planRun(getStore(), dispatcher, options, settingsWith(options));
      log.info('compaction planned', { ...plan, failed: plan.failed.length });
      countPlanning(plan);
      ({ failed } = plan);
      summary = plan;
    } else {
      const run = await compactHours(getStore(), {
        ...options,
        outOfTime: () => (context ? context.getRemainingTimeInMillis() < TIME_RESERVE_MS : false),
      });
      log.info('compaction finished', { ...run, plan: undefined, failed: run.failed.length });
      countCompaction(run);
      failed = [...run.plan.failed, ...run.failed];
      summary = run;
    }
    if (failed.length > 0) {
      const what = failed.map((f) => `${f.partition} (${f.error})`).join('; ');
      throw new CompactionError(`${failed.length} hours or units not done: ${what}`);
    }
    return summary;
  },
);
