import { describe, expect, it } from 'vitest';
import { DIALECTS, mapSpan } from '../../../lib/otlp/dialects';
import type { Scalar } from '../../../lib/otlp/otlp-json';

// One test per row of the dialect table (lib/otlp/dialects.ts), in its order,
// and the default: a span no row claims is dropped.

const attrs = (o: Record<string, Scalar>) => new Map(Object.entries(o));
const map = (o: Record<string, Scalar>, name = 'the span name') => mapSpan(attrs(o), name);

const rows: [string, Record<string, Scalar>, string, Record<string, unknown>][] = [
  [
    'genai-agent',
    { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'researcher' },
    'invoke_agent researcher',
    {
      endpoint: 'invoke_agent researcher',
      event_kind: 'invoke_agent',
      role: 'agent',
      agent: 'researcher',
    },
  ],
  [
    'genai-tool',
    {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'fetch',
      'gen_ai.tool.call.arguments': '{"url":"x"}',
      'gen_ai.usage.input_tokens': 99,
    },
    'execute_tool fetch',
    {
      endpoint: 'fetch',
      event_kind: 'execute_tool',
      role: 'tool',
      input: '{"url":"x"}',
    },
  ],
  [
    'mcp',
    { 'mcp.method.name': 'resources/read', 'mcp.session.id': 's-1' },
    'resources/read file:///a',
    { endpoint: 'resources/read', event_kind: 'resources/read', role: 'mcp' },
  ],
  [
    'genai-model',
    {
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 120,
      'gen_ai.usage.output_tokens': 30,
    },
    'chat gpt-4o',
    {
      endpoint: 'chat gpt-4o',
      event_kind: 'chat',
      role: 'model',
      model: 'gpt-4o-2024-08-06',
      input_tokens: 120,
      output_tokens: 30,
    },
  ],
  [
    'genai-other',
    { 'gen_ai.operation.name': 'retrieve_documents' },
    'retrieve_documents kb',
    { endpoint: 'retrieve_documents kb', event_kind: 'retrieve_documents', role: 'step' },
  ],
  [
    'openinference',
    {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'claude-3-5-sonnet',
      'llm.token_count.prompt': 50,
      'llm.token_count.completion': 7,
      'input.value': 'hello',
    },
    'ChatAnthropic',
    {
      endpoint: 'ChatAnthropic',
      event_kind: 'chat',
      role: 'model',
      model: 'claude-3-5-sonnet',
      input_tokens: 50,
      output_tokens: 7,
      input: 'hello',
    },
  ],
  [
    'openllmetry',
    { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'web_search' },
    'web_search.tool',
    { endpoint: 'web_search', event_kind: 'execute_tool', role: 'tool' },
  ],
];

describe('the dialect table', () => {
  it('has a test below for every row, in the order they are tried', () => {
    expect(rows.map(([name]) => name)).toEqual(DIALECTS.map((d) => d.name));
  });

  it.each(rows)('%s claims its spans and maps them', (name, attributes, spanName, expected) => {
    const claimed = map(attributes, spanName);

    expect(claimed?.dialect).toBe(name);
    expect(claimed?.mapped).toMatchObject(expected);
  });

  it('drops a span no row claims (an HTTP client call inside a tool)', () => {
    expect(
      map({ 'http.request.method': 'GET', 'url.full': 'https://api.example.com' }),
    ).toBeUndefined();
  });
});

describe('choices between the rows', () => {
  it('reads an MCP tools/call span by its tool name (GenAI before MCP)', () => {
    const claimed = map({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.operation.name': 'execute_tool',
    });

    expect(claimed).toMatchObject({ dialect: 'genai-tool', mapped: { endpoint: 'get_weather' } });
  });

  it('reads a span with GenAI and OpenInference attributes as GenAI', () => {
    expect(
      map({ 'gen_ai.operation.name': 'chat', 'openinference.span.kind': 'LLM' })?.dialect,
    ).toBe('genai-model');
  });

  it('counts tokens on model calls only: an agent span that totals them is not counted again', () => {
    const agent = map({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.request.model': 'gpt-4o',
    });

    expect(agent?.mapped).not.toHaveProperty('input_tokens');
    expect(agent?.mapped.model).toBeUndefined();
  });

  it('takes the older prompt and completion token names', () => {
    const claimed = map({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.usage.prompt_tokens': 11,
      'gen_ai.usage.completion_tokens': '12',
    });

    expect(claimed?.mapped).toMatchObject({ input_tokens: 11, output_tokens: 12 });
  });

  it('reads an OpenLLMetry LLM span by its request type', () => {
    const claimed = map({
      'llm.request.type': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.prompt_tokens': 5,
    });

    expect(claimed?.mapped).toMatchObject({
      event_kind: 'chat',
      role: 'model',
      model: 'gpt-4o-mini',
      input_tokens: 5,
    });
  });

  it('names the agent of an OpenInference AGENT span and an OpenLLMetry agent span', () => {
    expect(map({ 'openinference.span.kind': 'AGENT', 'agent.name': 'planner' })?.mapped.agent).toBe(
      'planner',
    );
    expect(
      map({ 'traceloop.span.kind': 'agent', 'traceloop.entity.name': 'writer' })?.mapped.agent,
    ).toBe('writer');
  });
});
