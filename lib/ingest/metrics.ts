import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricName, metrics } from '../platform/metrics';
import { StoreUnavailableError } from '../storage/errors';

/** What these counters read of an answer: its status. */
type Answered = { statusCode?: number };

/** Why a status refused an op, as the `reason` dimension of OpsRejected. */
export function rejectionReason(status: number): string {
  const reasons: Record<number, string> = {
    400: 'invalid',
    401: 'unauthorized',
    403: 'forbidden',
    413: 'too_large',
    415: 'unsupported_media_type',
  };
  return reasons[status] ?? `http_${status}`;
}

/** Counts what one answer of the event route did with the op it carried. */
export function countIngest(res: Answered, err: unknown): void {
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
export function countBatchFailure(res: Answered, err: unknown): void {
  if (res.statusCode !== 201 && res.statusCode !== 207) countIngest(res, err);
}
