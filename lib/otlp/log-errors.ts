import { z } from 'zod';
import { InvalidInputError } from '../domain/errors';
import { describeIssues } from '../domain/op';
import { text } from './dialects';
import { attributeMap, LogRecordSchema, LogsEnvelopeSchema, scalarOf } from './otlp-json';

// What the logs route keeps of an ExportLogsServiceRequest: the error text of
// exception and error records that name a span, to show on that span's op
// where the span has none. Every other record is accepted and dropped.

/** An error said about one span by a log record. */
export const SpanErrorSchema = z.object({
  trace_id: z.string(),
  span_id: z.string(),
  error: z.string(),
});
export type SpanError = z.infer<typeof SpanErrorSchema>;

/** The lowest severity number of an error record (ERROR; FATAL is 21 to 24). */
export const ERROR_SEVERITY = 17;

/** The longest error text kept from a record. */
const MAX_ERROR_CHARS = 16 * 1024;

/** The records of a logs request and what became of them. */
export interface LogErrorsResult {
  records: number;
  errors: SpanError[];
  /** Records that are not errors about a span: accepted and dropped. */
  dropped: number;
  rejected: { count: number; reasons: string[] };
}

/** The span errors in a logs request (JSON form); a malformed request is an InvalidInputError. */
export function spanErrorsFromLogs(body: unknown): LogErrorsResult {
  const envelope = LogsEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => ({
      field: i.path.map(String).join('.') || '(body)',
      message: i.message,
    }));
    throw new InvalidInputError(`not an ExportLogsServiceRequest: ${describeIssues(issues)}`, {
      fields: issues,
    });
  }
  const result: LogErrorsResult = {
    records: 0,
    errors: [],
    dropped: 0,
    rejected: { count: 0, reasons: [] },
  };
  for (const rl of envelope.data.resourceLogs ?? []) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const raw of sl.logRecords ?? []) {
        result.records++;
        const parsed = LogRecordSchema.safeParse(raw);
        if (!parsed.success) {
          result.rejected.count++;
          if (result.rejected.reasons.length < 5) {
            result.rejected.reasons.push(parsed.error.issues.map((x) => x.message).join('; '));
          }
          continue;
        }
        const error = spanError(parsed.data);
        if (error === undefined) result.dropped++;
        else result.errors.push(error);
      }
    }
  }
  return result;
}

function spanError(record: z.output<typeof LogRecordSchema>): SpanError | undefined {
  const { traceId, spanId } = record;
  if (!traceId || !spanId) return undefined;
  const attrs = attributeMap(record.attributes);
  const exception = [text(attrs, 'exception.type'), text(attrs, 'exception.message')].filter(
    (s): s is string => s !== undefined,
  );
  const isError =
    exception.length > 0 ||
    record.eventName === 'exception' ||
    (record.severityNumber ?? 0) >= ERROR_SEVERITY;
  if (!isError) return undefined;
  const body = record.body === undefined ? undefined : scalarOf(record.body);
  const said = exception.length > 0 ? exception.join(': ') : body === undefined ? '' : String(body);
  if (said.trim() === '') return undefined;
  return { trace_id: traceId, span_id: spanId, error: said.slice(0, MAX_ERROR_CHARS) };
}
