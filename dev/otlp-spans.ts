// Spans made by the OpenTelemetry JS SDK itself, and the OTLP bodies its own
// serializers make of them (the ones its exporters send): for the tests and
// the bench, which need real OTLP without a network.
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

/** One span to make: its name, attributes, outcome, children, and how long it takes. */
export interface SpanPlan {
  name: string;
  attributes?: Attributes;
  /** An ERROR status with this message ('' for ERROR without one). */
  error?: string;
  /** An exception event recorded on the span. */
  exception?: { type: string; message: string };
  children?: SpanPlan[];
  /** Milliseconds the span lasts, after its children (default 1). */
  ms?: number;
}

/** The spans of one run per plan (each plan a root span and its tree), made by the real SDK. */
export function makeSpans(
  resource: Attributes,
  plans: readonly SpanPlan[],
  start = Date.parse('2026-11-24T21:00:00.000Z'),
): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('observer-tests');
  let clock = start;
  const run = (plan: SpanPlan, parent: Context) => {
    const span = tracer.startSpan(
      plan.name,
      { attributes: plan.attributes, startTime: clock },
      parent,
    );
    const inside = trace.setSpan(parent, span);
    for (const child of plan.children ?? []) run(child, inside);
    if (plan.exception) {
      span.addEvent('exception', {
        'exception.type': plan.exception.type,
        'exception.message': plan.exception.message,
      });
    }
    if (plan.error !== undefined)
      span.setStatus({ code: SpanStatusCode.ERROR, message: plan.error });
    clock += plan.ms ?? 1;
    span.end(clock);
  };
  for (const plan of plans) run(plan, ROOT_CONTEXT);
  return exporter.getFinishedSpans();
}

/** The body the SDK's exporters send for these spans. */
export function otlpBody(spans: ReadableSpan[], encoding: 'protobuf' | 'json'): Buffer {
  const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  return Buffer.from(serializer.serializeRequest(spans) ?? new Uint8Array());
}

/**
 * A research run as an agent framework reports it: an `invoke_agent` span
 * around a plan (a model call), search and fetch tools and an answer (a model
 * call); fetch fails with a 429 when `failAtFetch`.
 */
export function researchRun(failAtFetch: boolean): SpanPlan {
  const agent = { 'gen_ai.agent.name': 'researcher', 'gen_ai.agent.id': 'researcher' };
  const model = (name: string, input: number, output: number): SpanPlan => ({
    name: `chat ${name}`,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.output_tokens': output,
    },
    ms: 40,
  });
  const tool = (name: string, extra: Partial<SpanPlan> = {}): SpanPlan => ({
    name: `execute_tool ${name}`,
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name },
    ms: 20,
    ...extra,
  });
  const fetchStep = failAtFetch
    ? tool('fetch', {
        error: 'HTTP 429 Too Many Requests from api.example.com',
        attributes: {
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': 'fetch',
          'error.type': '429',
        },
        children: [{ name: 'GET', attributes: { 'http.request.method': 'GET' }, ms: 5 }],
      })
    : tool('fetch', {
        children: [{ name: 'GET', attributes: { 'http.request.method': 'GET' }, ms: 5 }],
      });
  const steps = [
    { ...model('plan', 300, 40), name: 'plan' },
    tool('search'),
    fetchStep,
    ...(failAtFetch ? [] : [{ ...model('answer', 900, 200), name: 'answer' }]),
  ];
  return {
    name: 'invoke_agent researcher',
    attributes: { 'gen_ai.operation.name': 'invoke_agent', ...agent },
    children: steps,
    ...(failAtFetch ? { error: 'the run stopped: fetch failed' } : {}),
  };
}
