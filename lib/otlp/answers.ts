import { z } from 'zod';

// The answers of the OTLP routes in their JSON encoding (the protobuf
// encoding carries the same messages): the code builds them from these
// shapes, and the API description is generated from them.

const rejected = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .describe('how many were refused (int64: a number, or its decimal text)');

/** 200 to a trace export: `partialSuccess` only when some spans were refused. */
export const TraceExportAnswerSchema = z
  .object({
    partialSuccess: z
      .object({ rejectedSpans: rejected, errorMessage: z.string() })
      .optional()
      .describe('absent when every span was accepted'),
  })
  .describe('ExportTraceServiceResponse');

/** 200 to a logs export: `partialSuccess` only when some records were refused. */
export const LogsExportAnswerSchema = z
  .object({
    partialSuccess: z
      .object({ rejectedLogRecords: rejected, errorMessage: z.string() })
      .optional()
      .describe('absent when every record was accepted'),
  })
  .describe('ExportLogsServiceResponse');

/** Every OTLP 4xx and 5xx: a google.rpc.Status saying what is wrong. */
export const OtlpStatusSchema = z
  .object({
    code: z.number().int().describe('the google.rpc.Code nearest the HTTP status'),
    message: z.string().describe('what is wrong; for a 500 only "internal error"'),
  })
  .describe('google.rpc.Status');
export type OtlpStatus = z.infer<typeof OtlpStatusSchema>;

/** The google.rpc.Code an HTTP status is told as in a Status body. */
export function statusCode(http: number): number {
  const codes: Record<number, number> = {
    400: 3, // INVALID_ARGUMENT
    401: 16, // UNAUTHENTICATED
    403: 7, // PERMISSION_DENIED
    404: 5, // NOT_FOUND
    413: 3,
    415: 3,
    429: 8, // RESOURCE_EXHAUSTED
    503: 14, // UNAVAILABLE
  };
  return codes[http] ?? 13; // INTERNAL
}
