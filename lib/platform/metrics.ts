import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
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
  /** OTLP spans no dialect claims (not agent, tool, model or MCP spans): accepted, not recorded. */
  SpansDropped: 'SpansDropped',
  /** OTLP spans refused as invalid (partialSuccess). */
  SpansRejected: 'SpansRejected',
  /** OTLP log records that said an error about a span, kept for that span's op. */
  SpanErrorsKept: 'SpanErrorsKept',
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
  /** Compaction units (parts, seals) or hours that failed (run again by their queue, or the next run). */
  CompactionFailures: 'CompactionFailures',
  /** Seconds since the end of the oldest closed hour not yet compacted, at each planning run. */
  CompactionLagSeconds: 'CompactionLagSeconds',
} as const;

/** The container's metrics, flushed as one EMF line at the end of each invocation. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

let segmentsRead = 0;

/** Counts one object read to rebuild or refresh a ring (published as SegmentsRead). */
export function countSegmentRead(): void {
  segmentsRead++;
}

/**
 * Wraps a Lambda handler: adds the invocation's context (request id,
 * function name, and Powertools' cold-start flag) to every log line, and publishes the metrics
 * it recorded when it ends, however it ends.
 */
export function withTelemetry<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    // Lambda calls every handler with (event, context), whatever it declares.
    const context = args[1];
    if (isContext(context)) logger.addContext(context);
    else logger.startInvocation();
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

function isContext(value: unknown): value is Context {
  return typeof value === 'object' && value !== null && 'awsRequestId' in value;
}
