import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { mapLimit } from '../platform/concurrency';
import { log } from '../platform/log';
import { MetricName, metrics } from '../platform/metrics';
import type { Observer } from '../ring/observer';
import { spanErrorsKey } from '../storage/keys';
import type { SegmentStore } from '../storage/store';
import { decodeRequest, type OtlpEncoding, type PartialSuccess } from './codec';
import { spanErrorsFromLogs } from './log-errors';
import { opsFromTraceRequest } from './span-ops';

// What the OTLP routes do once a request is admitted and read: decode it,
// map it, write it (one object, as /observer/events does), then say what
// was refused. Nothing is acknowledged before S3 has it.

/** An OTLP request body: its encoding and its bytes, decompressed. */
export interface OtlpBody {
  encoding: OtlpEncoding;
  bytes: Buffer;
}

const partialOf = (
  rejected: { count: number; reasons: string[] },
  what: string,
): PartialSuccess | undefined =>
  rejected.count === 0
    ? undefined
    : {
        rejected: rejected.count,
        errorMessage: `${rejected.count} ${what} refused: ${rejected.reasons.join('; ')}${
          rejected.count > rejected.reasons.length ? '; …' : ''
        }`,
      };

/**
 * Records the ops of a trace export as one segment (no write when no span
 * became an op); resolves once S3 has it, with the spans it refused.
 */
export async function recordTraces(
  observer: Observer,
  body: OtlpBody,
  receivedAt: Date,
): Promise<PartialSuccess | undefined> {
  const result = opsFromTraceRequest(decodeRequest('traces', body.encoding, body.bytes));
  const written =
    result.ops.length === 0 ? undefined : await observer.record(result.ops, receivedAt);
  const recorded = written?.duplicate.filter((d) => !d).length ?? 0;
  if (recorded > 0) metrics.addMetric(MetricName.OpsRecorded, MetricUnit.Count, recorded);
  if (result.dropped > 0)
    metrics.addMetric(MetricName.SpansDropped, MetricUnit.Count, result.dropped);
  if (result.rejected.count > 0) {
    metrics.addMetric(MetricName.SpansRejected, MetricUnit.Count, result.rejected.count);
  }
  log.info('otlp traces', {
    spans: result.spans,
    ops: result.ops.length,
    recorded,
    dropped: result.dropped,
    rejected: result.rejected.count,
    dialects: result.byDialect,
    key: written?.key,
  });
  return partialOf(result.rejected, result.rejected.count === 1 ? 'span was' : 'spans were');
}

/**
 * Keeps the span errors of a logs export, one document per trace (none when
 * no record names an error of a span); resolves once S3 has them.
 */
export async function recordLogErrors(
  store: SegmentStore,
  body: OtlpBody,
  receivedAt: Date,
): Promise<PartialSuccess | undefined> {
  const result = spanErrorsFromLogs(decodeRequest('logs', body.encoding, body.bytes));
  const byTrace = new Map<string, typeof result.errors>();
  for (const e of result.errors) byTrace.set(e.trace_id, [...(byTrace.get(e.trace_id) ?? []), e]);
  // One document per run, so the run view reads only its own; written 8 at a time.
  await mapLimit([...byTrace], 8, ([traceId, errors]) =>
    store.putDocument(spanErrorsKey(traceId, receivedAt), JSON.stringify({ errors })),
  );
  if (result.errors.length > 0) {
    metrics.addMetric(MetricName.SpanErrorsKept, MetricUnit.Count, result.errors.length);
  }
  log.info('otlp logs', {
    records: result.records,
    span_errors: result.errors.length,
    dropped: result.dropped,
    rejected: result.rejected.count,
  });
  return partialOf(result.rejected, result.rejected.count === 1 ? 'record was' : 'records were');
}
