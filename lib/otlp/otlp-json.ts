import { z } from 'zod';

// The OTLP messages the receiver reads, in their JSON form (opentelemetry-proto
// docs/specification.md, "JSON Protobuf Encoding"): lowerCamelCase keys, trace
// and span ids as hex, enums as integers, int64 as a decimal string or a
// number. Unknown members are ignored (zod objects drop them). A binary
// request is decoded into the same shape first (codec.ts), so one set of
// rules reads both encodings.

/** A 64-bit unsigned integer, as a decimal string or a number (beyond 2^53 a number is approximate). */
const uint64 = z.union([
  z.string().regex(/^\d{1,20}$/, { error: 'must be a decimal integer' }),
  z
    .number()
    .nonnegative()
    .refine((n) => Number.isInteger(n) && n < 2 ** 64, { error: 'must be a whole number' }),
]);

/** An attribute value: scalars as they are; arrays and maps are read only for their scalars. */
export const AnyValueSchema = z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: z.union([z.string().regex(/^-?\d{1,20}$/), z.number().int()]).optional(),
  doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).optional(),
  arrayValue: z.object({ values: z.array(z.unknown()).optional() }).optional(),
  kvlistValue: z.object({ values: z.array(z.unknown()).optional() }).optional(),
  bytesValue: z.string().optional(),
});
export type AnyValue = z.infer<typeof AnyValueSchema>;

/** One attribute. */
export const KeyValueSchema = z.object({ key: z.string(), value: AnyValueSchema.optional() });
export type KeyValue = z.infer<typeof KeyValueSchema>;

const attributes = z.array(KeyValueSchema).optional();

// What the receiver reads attributes with: a list whose items attributeMap
// reads one by one, taking the scalars it can and leaving anything else out
// (cheaper than a schema per attribute, and as lenient as the spec asks).
const attributeList = z.array(z.unknown()).optional();

/** A trace id: 32 hex digits (16 bytes), not all zero; any case. */
export const TraceIdSchema = z
  .string({ error: 'traceId is required' })
  .regex(/^[0-9a-fA-F]{32}$/, { error: 'traceId must be 32 hex digits' })
  .refine((v) => !/^0+$/.test(v), { error: 'traceId must not be all zeros' })
  .transform((v) => v.toLowerCase());

/** A span id: 16 hex digits (8 bytes), not all zero; any case. */
export const SpanIdSchema = z
  .string({ error: 'spanId is required' })
  .regex(/^[0-9a-fA-F]{16}$/, { error: 'spanId must be 16 hex digits' })
  .refine((v) => !/^0+$/.test(v), { error: 'spanId must not be all zeros' })
  .transform((v) => v.toLowerCase());

/** One span, as far as it becomes an op. */
export const SpanSchema = z.object({
  traceId: TraceIdSchema,
  spanId: SpanIdSchema,
  parentSpanId: z
    .union([z.literal(''), SpanIdSchema])
    .optional()
    .transform((v) => v || undefined),
  name: z.string().default(''),
  kind: z.number().int().optional(),
  startTimeUnixNano: uint64.describe('start, nanoseconds since the epoch'),
  endTimeUnixNano: uint64.describe('end, nanoseconds since the epoch'),
  attributes: attributeList,
  events: z
    .array(
      z.object({
        name: z.string().default(''),
        attributes: attributeList,
        timeUnixNano: uint64.optional(),
      }),
    )
    .optional(),
  status: z
    .object({
      message: z.string().optional(),
      code: z.number().int().optional().describe('0 unset, 1 ok, 2 error'),
    })
    .optional(),
});
export type Span = z.output<typeof SpanSchema>;

const resource = z.object({ attributes: attributeList }).optional();
const scope = z.object({ name: z.string().optional(), version: z.string().optional() }).optional();

/** A span as documented: the same, with its attributes' shape spelled out. */
const DocumentedSpanSchema = SpanSchema.extend({
  attributes,
  events: z
    .array(z.object({ name: z.string(), attributes, timeUnixNano: uint64.optional() }))
    .optional(),
});

/** `ExportTraceServiceRequest`: what `POST /observer/otlp/v1/traces` takes, as documented. */
export const TraceRequestSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource,
        scopeSpans: z
          .array(z.object({ scope, spans: z.array(DocumentedSpanSchema).optional() }))
          .optional(),
      }),
    )
    .optional(),
});

/** The same request with each span left unread: one wrong span is refused alone (partialSuccess). */
export const TraceEnvelopeSchema = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource,
        scopeSpans: z.array(z.object({ scope, spans: z.array(z.unknown()).optional() })).optional(),
      }),
    )
    .optional(),
});
export type TraceEnvelope = z.output<typeof TraceEnvelopeSchema>;

/** One log record, as far as it enriches a span's op. */
export const LogRecordSchema = z.object({
  timeUnixNano: uint64.optional(),
  severityNumber: z.number().int().optional().describe('17 to 24: ERROR to FATAL4'),
  severityText: z.string().optional(),
  body: AnyValueSchema.optional(),
  attributes,
  eventName: z.string().optional(),
  traceId: z.union([z.literal(''), TraceIdSchema]).optional(),
  spanId: z.union([z.literal(''), SpanIdSchema]).optional(),
});
export type LogRecord = z.output<typeof LogRecordSchema>;

/** `ExportLogsServiceRequest`: what `POST /observer/otlp/v1/logs` takes. */
export const LogsRequestSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource,
        scopeLogs: z
          .array(z.object({ scope, logRecords: z.array(LogRecordSchema).optional() }))
          .optional(),
      }),
    )
    .optional(),
});

/** The logs request with each record left unread, as for spans. */
export const LogsEnvelopeSchema = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource,
        scopeLogs: z
          .array(z.object({ scope, logRecords: z.array(z.unknown()).optional() }))
          .optional(),
      }),
    )
    .optional(),
});
export type LogsEnvelope = z.output<typeof LogsEnvelopeSchema>;

/** A scalar attribute value, or a list of them. */
export type Scalar = string | number | boolean;

/**
 * The attributes as a map of scalars (and lists of scalars). An item that is
 * not `{key, value}` with a scalar (or a list of them) is left out, as an
 * unknown field would be.
 */
export function attributeMap(list: readonly unknown[] | undefined): Map<string, Scalar | Scalar[]> {
  const out = new Map<string, Scalar | Scalar[]>();
  for (const item of list ?? []) {
    if (typeof item !== 'object' || item === null) continue;
    const { key, value } = item as { key?: unknown; value?: unknown };
    if (typeof key !== 'string') continue;
    const v = scalarOf(value);
    if (v !== undefined) {
      out.set(key, v);
      continue;
    }
    const values = (value as { arrayValue?: { values?: unknown } } | undefined)?.arrayValue?.values;
    if (Array.isArray(values)) {
      out.set(
        key,
        values.map(scalarOf).filter((x): x is Scalar => x !== undefined),
      );
    }
  }
  return out;
}

const INT = /^-?\d{1,20}$/;
const SPECIAL_DOUBLES = new Set(['NaN', 'Infinity', '-Infinity']);

/** A value's scalar: a string, a boolean, or a number (int64 beyond 2^53 as its decimal text). */
export function scalarOf(value: unknown): Scalar | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (typeof v.intValue === 'number' && Number.isInteger(v.intValue)) return v.intValue;
  if (typeof v.intValue === 'string' && INT.test(v.intValue)) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue;
  }
  if (typeof v.doubleValue === 'number') return v.doubleValue;
  if (typeof v.doubleValue === 'string' && SPECIAL_DOUBLES.has(v.doubleValue)) {
    return Number(v.doubleValue);
  }
  return undefined;
}

/** Nanoseconds since the epoch (a decimal string or a number) as milliseconds, to the microsecond. */
export function nanosToMs(nanos: string | number): number {
  const ns = BigInt(nanos);
  return Number(ns / 1000n) / 1000;
}
