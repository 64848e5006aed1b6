import { performance } from 'node:perf_hooks';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import type { HttpResult } from '../http/http';
import type { CompactionSummary } from '../lake/compaction';
import type { Observer } from '../ring/observer';
import type { Stats } from '../ring/ring';
import { type SegmentStore, StoreUnavailableError, storeView } from '../storage/store';
import { logger, SERVICE_NAME } from './log';

/** The CloudWatch namespace of the service's metrics: POWERTOOLS_METRICS_NAMESPACE, else `Observer`. */
export const METRICS_NAMESPACE = process.env.POWERTOOLS_METRICS_NAMESPACE || 'Observer';

/** Every metric the service emits (CloudWatch embedded metric format), by name. */
export const MetricName = {
  /** Ops acknowledged (201): durably in S3. */
  OpsRecorded: 'OpsRecorded',
  /** Ops refused with a 4xx, with a `reason` dimension. */
  OpsRejected: 'OpsRejected',
  /** Ops S3 did not take (503): nothing was recorded, the client retries. */
  PersistFailures: 'PersistFailures',
  /** Time a warm container took to refresh its ring before a stats answer. */
  RefreshTime: 'RefreshTime',
  /** Time a cold container took to rebuild its ring (checkpoint or listing). */
  ColdStartRebuildTime: 'ColdStartRebuildTime',
  /** Objects (segments or compacted hours) read to rebuild or refresh a ring. */
  SegmentsRead: 'SegmentsRead',
  /** Ops in the ring after a stats answer or a snapshot. */
  RingSize: 'RingSize',
  /** Segments merged into compacted hours and deleted. */
  SegmentsCompacted: 'SegmentsCompacted',
  /** Hours a compaction run could not compact (retried by the next run). */
  CompactionFailures: 'CompactionFailures',
} as const;

/** The container's metrics, flushed as one EMF line at the end of each invocation. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

let segmentsRead = 0;

/**
 * Wraps a Lambda handler: adds the invocation's context (request id,
 * function name, cold start) to every log line, and publishes the metrics
 * it recorded when it ends, however it ends.
 */
export function withTelemetry<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    // Lambda calls every handler with (event, context), whatever it declares.
    const context = args[1];
    if (isContext(context)) logger.addContext(context);
    try {
      return await fn(...args);
    } finally {
      publishMetrics();
    }
  };
}

/** Writes the metrics recorded so far as one EMF line (none when nothing was recorded). */
export function publishMetrics(): void {
  if (segmentsRead > 0) {
    metrics.addMetric(MetricName.SegmentsRead, MetricUnit.Count, segmentsRead);
    segmentsRead = 0;
  }
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** Why a status refused an op, as the `reason` dimension of OpsRejected. */
export function rejectionReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'invalid',
    401: 'unauthorized',
    413: 'too_large',
    415: 'unsupported_media_type',
  };
  return reasons[status] ?? `http_${status}`;
}

/** Counts what one answer of the event route did with the op it carried. */
export function countIngest(res: HttpResult, err: unknown): void {
  const status = res.statusCode ?? 500;
  if (status === 201) {
    metrics.addMetric(MetricName.OpsRecorded, MetricUnit.Count, 1);
  } else if (err instanceof StoreUnavailableError) {
    metrics.addMetric(MetricName.PersistFailures, MetricUnit.Count, 1);
  } else if (status >= 400 && status < 500) {
    const single = metrics.singleMetric();
    single.addDimension('reason', rejectionReason(status));
    single.addMetric(MetricName.OpsRejected, MetricUnit.Count, 1);
  }
}

/** Counts what one batch did with its ops: recorded (not duplicates) and rejected by reason. */
export function countBatch(recorded: number, rejected: readonly { status: number }[]): void {
  if (recorded > 0) metrics.addMetric(MetricName.OpsRecorded, MetricUnit.Count, recorded);
  for (const r of rejected) {
    const single = metrics.singleMetric();
    single.addDimension('reason', rejectionReason(r.status));
    single.addMetric(MetricName.OpsRejected, MetricUnit.Count, 1);
  }
}

/** Counts a batch answered as a whole (400, 401, 413, 415, 503); 201/207 are counted by countBatch. */
export function countBatchFailure(res: HttpResult, err: unknown): void {
  if (res.statusCode !== 201 && res.statusCode !== 207) countIngest(res, err);
}

/**
 * Stats from the observer, timed: the first call in a container is the
 * cold-start rebuild, later ones are refreshes; the ring size after it.
 */
export async function measuredStats(observer: Observer): Promise<{ stats: Stats; stale: boolean }> {
  const rebuild = !observer.status().loaded;
  const started = performance.now();
  const result = await observer.stats();
  const name = rebuild ? MetricName.ColdStartRebuildTime : MetricName.RefreshTime;
  metrics.addMetric(name, MetricUnit.Milliseconds, Math.round(performance.now() - started));
  metrics.addMetric(MetricName.RingSize, MetricUnit.Count, observer.status().ring_size);
  return result;
}

/** Counts what a compaction run did. */
export function countCompaction(summary: CompactionSummary): void {
  metrics.addMetric(MetricName.SegmentsCompacted, MetricUnit.Count, summary.segments_deleted);
  metrics.addMetric(MetricName.CompactionFailures, MetricUnit.Count, summary.failed.length);
}

/** The store, counting the objects read through it (published as SegmentsRead). */
export function meteredStore(store: SegmentStore): SegmentStore {
  return storeView(store, {
    read: async (key) => {
      const entries = await store.read(key);
      segmentsRead++;
      return entries;
    },
  });
}

function isContext(value: unknown): value is Context {
  return typeof value === 'object' && value !== null && 'awsRequestId' in value;
}
