import { InvalidInputError } from '../domain/errors';
import { describeIssues, MAX_OP_BYTES, type ObservedOp } from '../domain/op';
import { type Attributes, type Mapped, mapSpan, text } from './dialects';
import {
  attributeMap,
  nanosToMs,
  type Span,
  SpanSchema,
  type TraceEnvelope,
  TraceEnvelopeSchema,
} from './otlp-json';

// The engine that turns an ExportTraceServiceRequest into ops: the fields
// every op gets the same way (ids, times, outcome, error, source, role,
// agent), and the dialect table (dialects.ts) for the rest. Pure.

/** The most spans one request may carry (the SDK's batches hold 512). */
export const MAX_OTLP_SPANS = 10_000;

/** How long an op's input and output summaries may be, from a span's attributes. */
const SUMMARY_CHARS = 1024;

/** The spans of one request, and what became of them. */
export interface SpanOpsResult {
  ops: ObservedOp[];
  /** Spans in the request. */
  spans: number;
  /** Spans no dialect claims (not agent, tool, model or MCP spans), by design not recorded. */
  dropped: number;
  /** Spans refused as invalid, with the first few reasons. */
  rejected: { count: number; reasons: string[] };
  /** Ops per dialect that mapped them. */
  byDialect: Record<string, number>;
}

/** A span with its place in the request, its attributes and its resource's. */
interface ReadSpan {
  span: Span;
  attrs: Attributes;
  resource: Attributes;
  mapped?: Mapped;
  dialect?: string;
}

/**
 * The ops of a request in the JSON form (either encoding, decoded), one per
 * span a dialect claims, in request order; `id` is the trace id and the span
 * id, so an exporter's retry of the same spans counts once. A malformed
 * request as a whole is an InvalidInputError (400); a wrong span is refused
 * alone.
 */
export function opsFromTraceRequest(body: unknown): SpanOpsResult {
  const envelope = TraceEnvelopeSchema.safeParse(body);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => ({
      field: i.path.map(String).join('.') || '(body)',
      message: i.message,
    }));
    throw new InvalidInputError(`not an ExportTraceServiceRequest: ${describeIssues(issues)}`, {
      fields: issues,
    });
  }
  const result: SpanOpsResult = {
    ops: [],
    spans: 0,
    dropped: 0,
    rejected: { count: 0, reasons: [] },
    byDialect: {},
  };
  const read = readSpans(envelope.data, result);
  const bySpan = new Map(read.map((r) => [spanKey(r.span.traceId, r.span.spanId), r]));
  for (const r of read) {
    const claimed = mapSpan(r.attrs, r.span.name);
    if (claimed === undefined) continue;
    r.mapped = claimed.mapped;
    r.dialect = claimed.dialect;
  }
  for (const r of read) {
    if (r.mapped === undefined) {
      result.dropped++;
      continue;
    }
    const made = toOp(r, r.mapped, agentOf(r, bySpan));
    if ('reason' in made) reject(result, made.reason);
    else {
      result.ops.push(made.op);
      const dialect = r.dialect as string;
      result.byDialect[dialect] = (result.byDialect[dialect] ?? 0) + 1;
    }
  }
  return result;
}

function reject(result: SpanOpsResult, reason: string): void {
  result.rejected.count++;
  if (result.rejected.reasons.length < 5) result.rejected.reasons.push(reason);
}

const spanKey = (traceId: string, spanId: string) => `${traceId}:${spanId}`;

/** Every span of the request that reads as a span; the others are refused one by one. */
function readSpans(envelope: TraceEnvelope, result: SpanOpsResult): ReadSpan[] {
  const out: ReadSpan[] = [];
  (envelope.resourceSpans ?? []).forEach((rs, r) => {
    const resource = attributeMap(rs.resource?.attributes);
    (rs.scopeSpans ?? []).forEach((ss, s) => {
      (ss.spans ?? []).forEach((raw, i) => {
        result.spans++;
        if (result.spans > MAX_OTLP_SPANS) {
          throw new InvalidInputError(
            `the request holds more than ${MAX_OTLP_SPANS} spans; send smaller batches`,
            {},
            'too-large',
          );
        }
        const parsed = SpanSchema.safeParse(raw);
        if (parsed.success) {
          out.push({ span: parsed.data, attrs: attributeMap(parsed.data.attributes), resource });
        } else {
          const where = `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
          reject(result, `${where}: ${parsed.error.issues.map((x) => x.message).join('; ')}`);
        }
      });
    });
  });
  return out;
}

/** The span's own agent, else that of its nearest agent ancestor in the same request. */
function agentOf(r: ReadSpan, bySpan: ReadonlyMap<string, ReadSpan>): string | undefined {
  if (r.mapped?.agent !== undefined) return r.mapped.agent;
  let parentId = r.span.parentSpanId;
  // A parent chain longer than this is a cycle in a malformed request.
  for (let depth = 0; parentId !== undefined && depth < 256; depth++) {
    const parent = bySpan.get(spanKey(r.span.traceId, parentId));
    if (parent === undefined) return undefined;
    if (parent.mapped?.role === 'agent' && parent.mapped.agent !== undefined) {
      return parent.mapped.agent;
    }
    parentId = parent.span.parentSpanId;
  }
  return undefined;
}

const clip = (s: string | undefined, max: number) =>
  s === undefined ? undefined : s.length > max ? `${s.slice(0, max - 1)}…` : s;

/** The latest start and end an op may have: a year of at most 9999 (a uint64 of ns stops in 2554). */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** The op a claimed span becomes, or why it is refused. */
function toOp(
  r: ReadSpan,
  mapped: Mapped,
  agent: string | undefined,
): { op: ObservedOp } | { reason: string } {
  const { span, attrs, resource } = r;
  const where = `span ${span.spanId} of trace ${span.traceId}`;
  const startMs = nanosToMs(span.startTimeUnixNano);
  const endMs = nanosToMs(span.endTimeUnixNano);
  if (startMs > LATEST_MS || endMs > LATEST_MS) {
    return { reason: `${where}: its start or end time is out of range` };
  }
  if (endMs < startMs) return { reason: `${where}: it ends before it starts` };
  const endpoint = clip(mapped.endpoint, 512);
  if (endpoint === undefined || endpoint.trim() === '') {
    return { reason: `${where}: it has no name` };
  }
  const error = errorOf(span, attrs);
  const fields: Record<string, unknown> = {
    id: `${span.traceId}-${span.spanId}`,
    endpoint,
    success: !(span.status?.code === 2 || text(attrs, 'error.type') !== undefined),
    timestamp: new Date(Math.floor(startMs)).toISOString(),
    duration_ms: Math.round((endMs - startMs) * 1000) / 1000,
    source: sourceOf(resource),
    staffer_id: clip(agent, 256),
    event_kind: clip(mapped.event_kind, 256),
    role: clip(text(resource, 'observer.role'), 256),
    scenario: clip(text(resource, 'observer.scenario'), 256),
    error: clip(error, 16 * 1024),
    input_summary: clip(mapped.input, SUMMARY_CHARS),
    output_summary: clip(mapped.output, SUMMARY_CHARS),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    conversation_id: clip(conversationOf(attrs), 256),
    model: clip(mapped.model, 256),
    input_tokens: mapped.input_tokens,
    output_tokens: mapped.output_tokens,
  };
  // Every field is built within the op schema's limits (clipped text, hex ids, a
  // source made an identifier, whole token counts), so the op is stored as it is
  // without parsing it again; test/unit/otlp/span-ops.test.ts holds parseOp to
  // accept each unchanged. Only its size is left to check.
  const op = withoutUndefined(fields) as ObservedOp;
  if (mayBeTooLarge(op)) {
    const bytes = Buffer.byteLength(JSON.stringify(op));
    if (bytes > MAX_OP_BYTES) return { reason: `${where}: the op would be ${bytes} bytes` };
  }
  return { op };
}

// JSON escapes a character into at most 6 bytes (\uXXXX), and a key with its
// punctuation takes under 40: an op whose texts are short cannot be too large.
function mayBeTooLarge(op: ObservedOp): boolean {
  let chars = 0;
  for (const v of Object.values(op)) if (typeof v === 'string') chars += v.length;
  return chars * 6 + 40 * 24 > MAX_OP_BYTES;
}

const withoutUndefined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The error text: the status message, else the exception event, else error.type. */
function errorOf(span: Span, attrs: Attributes): string | undefined {
  const message = span.status?.message?.trim();
  if (message) return message;
  const exception = span.events?.find((e) => e.name === 'exception');
  if (exception !== undefined) {
    const e = attributeMap(exception.attributes);
    const said = [text(e, 'exception.type'), text(e, 'exception.message')].filter(Boolean);
    if (said.length > 0) return said.join(': ');
  }
  return text(attrs, 'error.type');
}

/** The conversation (or session) a span belongs to, in the dialects' words. */
function conversationOf(attrs: Attributes): string | undefined {
  return [
    'gen_ai.conversation.id',
    'mcp.session.id',
    'session.id',
    'traceloop.association.properties.session_id',
  ]
    .map((k) => text(attrs, k))
    .find((v) => v !== undefined);
}

/**
 * The op's source: the resource's `observer.source`, else its `service.name`,
 * made an op source (lowercase; other characters become `-`; at most 64).
 */
export function sourceOf(resource: Attributes): string {
  const name = text(resource, 'observer.source') ?? text(resource, 'service.name') ?? '';
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, 64);
  return cleaned === '' ? 'otel' : cleaned;
}
