import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName, metrics } from '../platform/metrics';
import type { CompactionSummary } from './compaction';

/** Counts what a compaction run did. */
export function countCompaction(summary: CompactionSummary): void {
  metrics.addMetric(MetricName.SegmentsCompacted, MetricUnit.Count, summary.segments_deleted);
  metrics.addMetric(MetricName.CompactionFailures, MetricUnit.Count, summary.failed.length);
}
