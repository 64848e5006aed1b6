import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName, metrics } from '../platform/metrics';
import type { CompactionSummary, UnitOutcome } from './compaction';
import type { PlanSummary } from './plan';

/** Counts what a planning run found: the age of the oldest closed hour not yet compacted, and the hours it could not plan. */
export function countPlanning(summary: PlanSummary): void {
  metrics.addMetric(
    MetricName.CompactionLagSeconds,
    MetricUnit.Seconds,
    summary.oldest_pending_age_s,
  );
  metrics.addMetric(MetricName.CompactionFailures, MetricUnit.Count, summary.failed.length);
}

/** Counts what units did: segments merged and deleted, and units that failed. */
export function countUnits(outcomes: readonly UnitOutcome[]): void {
  let segments = 0;
  let failed = 0;
  for (const o of outcomes) {
    if ('error' in o) failed++;
    else if (o.result.kind === 'part') segments += o.result.segments;
    else if (o.result.status === 'sealed') segments += o.result.leftovers;
  }
  metrics.addMetric(MetricName.SegmentsCompacted, MetricUnit.Count, segments);
  metrics.addMetric(MetricName.CompactionFailures, MetricUnit.Count, failed);
}

/** Counts what a run in one process did: the lag after it, segments merged, hours and units that failed. */
export function countCompaction(run: CompactionSummary): void {
  metrics.addMetric(
    MetricName.CompactionLagSeconds,
    MetricUnit.Seconds,
    run.plan.oldest_pending_age_s,
  );
  metrics.addMetric(MetricName.SegmentsCompacted, MetricUnit.Count, run.segments_deleted);
  metrics.addMetric(
    MetricName.CompactionFailures,
    MetricUnit.Count,
    run.plan.failed.length + run.failed.length,
  );
}
