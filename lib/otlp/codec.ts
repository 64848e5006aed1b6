import protobuf from 'protobufjs/light.js';
import { InvalidInputError } from '../domain/errors';
import { parseJson } from '../platform/json';
import { OTLP_SCHEMA } from './schema.generated';

// The two encodings of OTLP/HTTP: binary protobuf, decoded by protobufjs with
// the official .proto files (proto/), and JSON. Both are read into the JSON
// form (otlp-json.ts), and answers are written back in the request's encoding.

/** How a request (and so its answer) is encoded. */
export type OtlpEncoding = 'protobuf' | 'json';

/** The messages of the two services the receiver implements. */
export type OtlpSignal = 'traces' | 'logs';

const MESSAGES = {
  traces: {
    request: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
    response: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse',
  },
  logs: {
    request: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
    response: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse',
  },
} as const;

const STATUS = 'google.rpc.Status';

let root: protobuf.Root | undefined;

// Built on first use, not at cold start: the other routes never need it.
function type(name: string): protobuf.Type {
  root ??= protobuf.Root.fromJSON(OTLP_SCHEMA as protobuf.INamespace);
  return root.lookupType(name);
}

/**
 * The encoding a content type names: `application/x-protobuf` or
 * `application/json` (parameters such as a charset tolerated), or an
 * InvalidInputError for a 415 naming both.
 */
export function encodingOf(contentType: string | undefined): OtlpEncoding {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  throw new InvalidInputError(
    `content-type must be application/x-protobuf or application/json, got ${
      contentType === undefined ? 'none' : `"${contentType}"`
    }`,
    {},
    'unsupported-media-type',
  );
}

/**
 * A request body in the JSON form: binary protobuf decoded (trace and span
 * ids turned from bytes into hex), or JSON parsed. An empty body is an empty
 * request. Bytes that do not decode are an InvalidInputError (400).
 */
export function decodeRequest(signal: OtlpSignal, encoding: OtlpEncoding, body: Buffer): unknown {
  if (body.length === 0) return {};
  if (encoding === 'json') {
    const parsed = parseJson(body.toString('utf-8'));
    if (parsed === undefined) throw new InvalidInputError('request body is not valid JSON');
    return parsed;
  }
  const message = type(MESSAGES[signal].request);
  let decoded: protobuf.Message;
  try {
    decoded = message.decode(body);
  } catch (err: unknown) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InvalidInputError(`request body is not a protobuf ${message.name}: ${why}`);
  }
  return idsAsHex(message.toObject(decoded, { longs: String, enums: Number, bytes: String }));
}

// OTLP's JSON form writes trace and span ids as hex; protobufjs gives bytes as
// base64. Only spans and log records hold the ids the receiver reads: they are
// turned in place (the object is toObject's own), links and the rest left as they are.
const hex = (v: unknown) =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString('hex') : undefined;

function idsAsHex(request: Record<string, unknown>): unknown {
  const each = (
    list: unknown,
    inner: string,
    items: string,
    fn: (o: Record<string, unknown>) => void,
  ) => {
    for (const outer of Array.isArray(list) ? list : []) {
      for (const scope of (outer as Record<string, unknown[]>)[inner] ?? []) {
        for (const item of (scope as Record<string, unknown[]>)[items] ?? []) {
          fn(item as Record<string, unknown>);
        }
      }
    }
  };
  const fix = (o: Record<string, unknown>) => {
    for (const k of ['traceId', 'spanId', 'parentSpanId']) if (k in o) o[k] = hex(o[k]);
  };
  each(request.resourceSpans, 'scopeSpans', 'spans', fix);
  each(request.resourceLogs, 'scopeLogs', 'logRecords', fix);
  return request;
}

/** What an export answer says: nothing, or how many items were refused and why. */
export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/**
 * `Export{Trace,Logs}ServiceResponse` in the encoding: `partialSuccess` only
 * when something was refused (the spec leaves it unset on full success).
 */
export function encodeResponse(
  signal: OtlpSignal,
  encoding: OtlpEncoding,
  partial: PartialSuccess | undefined,
): Buffer {
  const count = signal === 'traces' ? 'rejectedSpans' : 'rejectedLogRecords';
  const body =
    partial === undefined
      ? {}
      : { partialSuccess: { [count]: partial.rejected, errorMessage: partial.errorMessage } };
  if (encoding === 'json') return Buffer.from(JSON.stringify(body));
  const message = type(MESSAGES[signal].response);
  return Buffer.from(message.encode(message.fromObject(body)).finish());
}

/** `google.rpc.Status` in the encoding: the body of every OTLP 4xx and 5xx answer. */
export function encodeStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  const status = type(STATUS);
  return Buffer.from(status.encode(status.fromObject({ code, message })).finish());
}

/** Reads an answer back (for tests and the bench): the decoded message as a plain object. */
export function decodeAnswer(
  name: 'traces' | 'logs' | 'status',
  encoding: OtlpEncoding,
  body: Buffer,
): Record<string, unknown> {
  if (encoding === 'json') return JSON.parse(body.toString('utf-8')) as Record<string, unknown>;
  const message = type(name === 'status' ? STATUS : MESSAGES[name].response);
  return message.toObject(message.decode(body), { longs: Number }) as Record<string, unknown>;
}
