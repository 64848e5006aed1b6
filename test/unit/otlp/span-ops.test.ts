import { describe, expect, it } from 'vitest';
import { parseOp } from '../../../lib/domain/op';
import { opsFromTraceRequest } from '../../../lib/otlp/span-ops';

// The fields every op made of a span gets the same way, whatever its dialect.

const NOW = new Date('2026-11-24T21:15:00.000Z');
const TRACE = '5B8EFFF798038103D269B633813FC60C';
const kv = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value },
});

/** A JSON span: a tool call unless attributes say otherwise. */
function span(id: string, fields: Record<string, unknown> = {}) {
  return {
    traceId: TRACE,
    spanId: id.padStart(16, '0'),
    name: `execute_tool ${id}`,
    startTimeUnixNano: '1795900000000000000',
    endTimeUnixNano: 1795900000250500000,
    attributes: [kv('gen_ai.operation.name', 'execute_tool'), kv('gen_ai.tool.name', `t${id}`)],
    ...fields,
  };
}

function request(spans: unknown[], resource: { key: string; value: unknown }[] = []) {
  return { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ spans }] }] };
}

const opsOf = (spans: unknown[], resource?: { key: string; value: unknown }[]) =>
  opsFromTraceRequest(request(spans, resource));

describe('a span as an op', () => {
  it('has the trace id and span id as its id, in lowercase hex, and the run fields', () => {
    const [op] = opsOf([span('a1', { parentSpanId: '00000000000000B2' })]).ops;

    expect(op).toMatchObject({
      id: `${TRACE.toLowerCase()}-00000000000000a1`,
      trace_id: TRACE.toLowerCase(),
      span_id: '00000000000000a1',
      parent_span_id: '00000000000000b2',
    });
  });

  it('starts when the span starts and lasts until it ends (int64 as a string or a number)', () => {
    const [op] = opsOf([span('1')]).ops;

    expect(op?.timestamp).toBe('2026-11-28T21:06:40.000Z');
    expect(op?.duration_ms).toBeCloseTo(250.5, 2);
  });

  it.each([
    ['an unset status', {}, true],
    ['an OK status', { status: { code: 1 } }, true],
    ['an ERROR status', { status: { code: 2 } }, false],
  ])('succeeds or fails by its status: %s', (_label, fields, success) => {
    expect(opsOf([span('1', fields)]).ops[0]?.success).toBe(success);
  });

  it('fails when error.type is set (an MCP tool_error), and says it when nothing else does', () => {
    const [op] = opsOf([
      span('1', {
        attributes: [kv('mcp.method.name', 'tools/call'), kv('error.type', 'tool_error')],
      }),
    ]).ops;

    expect(op).toMatchObject({ success: false, error: 'tool_error' });
  });

  it('takes the error text from the status message first, then the exception event', () => {
    const exception = {
      name: 'exception',
      attributes: [
        kv('exception.type', 'TimeoutError'),
        kv('exception.message', 'no answer in 30 s'),
      ],
    };
    const [withMessage, withEvent] = opsOf([
      span('1', { status: { code: 2, message: 'upstream said 502' }, events: [exception] }),
      span('2', { status: { code: 2 }, events: [exception] }),
    ]).ops;

    expect(withMessage?.error).toBe('upstream said 502');
    expect(withEvent?.error).toBe('TimeoutError: no answer in 30 s');
  });

  it('takes source, role and scenario from the resource', () => {
    const [op] = opsOf(
      [span('1')],
      [
        kv('service.name', 'Research Bot 2'),
        kv('observer.role', 'analyst'),
        kv('observer.scenario', 'nightly'),
      ],
    ).ops;

    expect(op).toMatchObject({ source: 'research-bot-2', role: 'analyst', scenario: 'nightly' });
  });

  it('lets observer.source name the source instead of service.name', () => {
    const [op] = opsOf(
      [span('1')],
      [kv('service.name', 'bot'), kv('observer.source', 'scenario')],
    ).ops;

    expect(op?.source).toBe('scenario');
  });

  it('inherits the agent of the nearest invoke_agent ancestor, through spans it drops', () => {
    const agent = span('a', {
      name: 'invoke_agent writer',
      attributes: [kv('gen_ai.operation.name', 'invoke_agent'), kv('gen_ai.agent.id', 'writer-7')],
    });
    const http = span('f', {
      parentSpanId: '000000000000000a',
      attributes: [kv('http.request.method', 'GET')],
    });
    const tool = span('c', { parentSpanId: '000000000000000f' });

    const result = opsOf([agent, http, tool]);

    expect(result.ops.map((o) => [o.endpoint, o.staffer_id])).toEqual([
      ['invoke_agent writer', 'writer-7'],
      ['tc', 'writer-7'],
    ]);
    expect(result.dropped).toBe(1);
  });

  it('keeps the conversation id from gen_ai.conversation.id or mcp.session.id', () => {
    const [a, b] = opsOf([
      span('1', { attributes: [kv('gen_ai.tool.name', 'x'), kv('gen_ai.conversation.id', 'c-1')] }),
      span('2', { attributes: [kv('mcp.method.name', 'ping'), kv('mcp.session.id', 's-9')] }),
    ]).ops;

    expect([a?.conversation_id, b?.conversation_id]).toEqual(['c-1', 's-9']);
  });

  it('refuses a wrong span alone, saying where and why, and keeps the others', () => {
    const result = opsOf([
      span('1'),
      span('2', { traceId: 'xyz' }),
      span('3', { endTimeUnixNano: '1' }),
    ]);

    expect(result.ops.map((o) => o.endpoint)).toEqual(['t1']);
    expect(result.rejected.count).toBe(2);
    expect(result.rejected.reasons).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1]: traceId must be 32 hex digits',
      `span 0000000000000003 of trace ${TRACE.toLowerCase()}: it ends before it starts`,
    ]);
  });

  it('counts the spans it drops and refuses nothing for them', () => {
    const result = opsOf([span('1', { attributes: [kv('db.system', 'postgresql')] })]);

    expect(result).toMatchObject({ spans: 1, dropped: 1, rejected: { count: 0 }, ops: [] });
  });

  it('refuses a request that is not one, naming the field', () => {
    expect(() => opsFromTraceRequest({ resourceSpans: {} })).toThrow(
      'not an ExportTraceServiceRequest: resourceSpans: ',
    );
  });
});

describe('the ops it makes, stored without parsing them again', () => {
  const long = (n: number) => `ü${'x'.repeat(n)}`;
  const weird = [
    span('1', { name: long(2000) }),
    span('2', {
      status: { code: 2, message: long(40_000) },
      attributes: [
        kv('gen_ai.operation.name', 'chat'),
        kv('gen_ai.response.model', long(600)),
        kv('gen_ai.usage.input_tokens', 12),
        kv('gen_ai.conversation.id', long(300)),
        kv('gen_ai.agent.name', long(300)),
      ],
    }),
    span('3', {
      attributes: [kv('gen_ai.tool.name', 't'), kv('gen_ai.tool.call.arguments', long(5000))],
    }),
  ];

  it('are each accepted unchanged by parseOp, within every limit of the op schema', () => {
    const result = opsOf(weird, [
      kv('service.name', '9 Lives Bot!'),
      kv('observer.role', long(999)),
    ]);

    expect(result.ops).toHaveLength(3);
    for (const op of result.ops) {
      const parsed = parseOp(op, NOW);
      expect(parsed.ok && parsed.op).toEqual(op);
    }
  });

  it('refuses a span whose op would be over 64 KiB once serialized', () => {
    const result = opsOf([span('1', { status: { code: 2, message: '\u0001'.repeat(20_000) } })]);

    expect(result.ops).toEqual([]);
    expect(result.rejected.reasons[0]).toMatch(/: the op would be \d+ bytes$/);
  });
});
