import type { Scalar } from './otlp-json';

// Which spans become ops, and what each dialect of attributes says about
// them: one named mapper per dialect, tried in order (the first that claims
// a span maps it), as Langfuse's ObservationTypeMapper does. A span no
// mapper claims (an HTTP client call, a database query, a framework's
// internals) is dropped and counted. docs/otlp.md shows this table; each row
// has its own test (test/unit/otlp/dialects.test.ts).

/** A span's attributes, scalars and lists of scalars. */
export type Attributes = ReadonlyMap<string, Scalar | Scalar[]>;

/** What an op is, by what the span did. */
export type OpRole = 'agent' | 'tool' | 'model' | 'mcp' | 'step';

/** What a mapper reads off a span: the fields the dialect decides. */
export interface Mapped {
  endpoint: string;
  event_kind: string;
  role: OpRole;
  /** The agent the span itself names (an agent span names the one it runs). */
  agent?: string;
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  input?: string;
  output?: string;
}

/** One dialect: its name, when it claims a span, and how it maps it. */
export interface DialectMapper {
  name: string;
  /** Which spans it claims, in words (for docs/otlp.md). */
  claims: string;
  /** Why it sits where it does in the order. */
  why: string;
  matches(attrs: Attributes): boolean;
  map(attrs: Attributes, spanName: string): Mapped;
}

/** A string attribute (a number or boolean as its text), or undefined. */
export function text(attrs: Attributes, key: string): string | undefined {
  const v = attrs.get(key);
  if (v === undefined || Array.isArray(v)) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** A whole-number attribute (a number, or digits as a string), or undefined. */
export function count(attrs: Attributes, key: string): number | undefined {
  const v = attrs.get(key);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

const first = <T>(...values: (T | undefined)[]): T | undefined =>
  values.find((v) => v !== undefined);

/** gen_ai.operation.name values that call a model. */
const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);
const AGENT_OPERATIONS = new Set(['invoke_agent', 'create_agent']);

/** The GenAI conventions' model and token attributes (the older prompt/completion names too). */
function genAiUsage(attrs: Attributes): Pick<Mapped, 'model' | 'input_tokens' | 'output_tokens'> {
  return {
    model: first(text(attrs, 'gen_ai.response.model'), text(attrs, 'gen_ai.request.model')),
    input_tokens: first(
      count(attrs, 'gen_ai.usage.input_tokens'),
      count(attrs, 'gen_ai.usage.prompt_tokens'),
    ),
    output_tokens: first(
      count(attrs, 'gen_ai.usage.output_tokens'),
      count(attrs, 'gen_ai.usage.completion_tokens'),
    ),
  };
}

const genAiAgent = (attrs: Attributes) =>
  first(text(attrs, 'gen_ai.agent.id'), text(attrs, 'gen_ai.agent.name'));

const OPENINFERENCE_KINDS: Record<string, { event_kind: string; role: OpRole }> = {
  AGENT: { event_kind: 'invoke_agent', role: 'agent' },
  TOOL: { event_kind: 'execute_tool', role: 'tool' },
  LLM: { event_kind: 'chat', role: 'model' },
  EMBEDDING: { event_kind: 'embeddings', role: 'model' },
};

const OPENLLMETRY_KINDS: Record<string, { event_kind: string; role: OpRole }> = {
  agent: { event_kind: 'invoke_agent', role: 'agent' },
  tool: { event_kind: 'execute_tool', role: 'tool' },
};

const OPENLLMETRY_REQUESTS: Record<string, string> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
};

/** The dialects, in the order they are tried. */
export const DIALECTS: readonly DialectMapper[] = [
  {
    name: 'genai-agent',
    claims: '`gen_ai.operation.name` is `invoke_agent` or `create_agent`',
    why: 'GenAI conventions first: the OpenTelemetry standard every framework moves to',
    matches: (a) => AGENT_OPERATIONS.has(text(a, 'gen_ai.operation.name') ?? ''),
    map: (a, name) => ({
      endpoint: name,
      event_kind: text(a, 'gen_ai.operation.name') ?? 'invoke_agent',
      role: 'agent',
      agent: genAiAgent(a),
    }),
  },
  {
    name: 'genai-tool',
    claims:
      '`gen_ai.operation.name` is `execute_tool`, or `gen_ai.tool.name` is set (MCP `tools/call` too)',
    why: 'a tool call names its tool; an MCP tools/call span carries gen_ai.tool.name as well',
    matches: (a) =>
      text(a, 'gen_ai.operation.name') === 'execute_tool' ||
      text(a, 'gen_ai.tool.name') !== undefined,
    map: (a, name) => ({
      endpoint: first(text(a, 'gen_ai.tool.name'), text(a, 'mcp.method.name')) ?? name,
      event_kind: text(a, 'gen_ai.operation.name') ?? 'execute_tool',
      role: 'tool',
      agent: genAiAgent(a),
      input: text(a, 'gen_ai.tool.call.arguments'),
      output: text(a, 'gen_ai.tool.call.result'),
    }),
  },
  {
    name: 'mcp',
    claims: '`mcp.method.name` is set (`initialize`, `resources/read`, `prompts/get`, …)',
    why: 'MCP conventions: the method is what the client or server did',
    matches: (a) => text(a, 'mcp.method.name') !== undefined,
    map: (a) => ({
      endpoint: text(a, 'mcp.method.name') as string,
      event_kind: text(a, 'gen_ai.operation.name') ?? (text(a, 'mcp.method.name') as string),
      role: 'mcp',
      agent: genAiAgent(a),
    }),
  },
  {
    name: 'genai-model',
    claims:
      '`gen_ai.operation.name` is `chat`, `text_completion`, `generate_content` or `embeddings`',
    why: 'a model call: its model and tokens are counted (only here, so an agent total never counts twice)',
    matches: (a) => MODEL_OPERATIONS.has(text(a, 'gen_ai.operation.name') ?? ''),
    map: (a, name) => ({
      endpoint: name,
      event_kind: text(a, 'gen_ai.operation.name') as string,
      role: 'model',
      agent: genAiAgent(a),
      ...genAiUsage(a),
    }),
  },
  {
    name: 'genai-other',
    claims: 'any other `gen_ai.operation.name`',
    why: 'a GenAI operation the conventions add later is still an agent step',
    matches: (a) => text(a, 'gen_ai.operation.name') !== undefined,
    map: (a, name) => ({
      endpoint: name,
      event_kind: text(a, 'gen_ai.operation.name') as string,
      role: 'step',
      agent: genAiAgent(a),
    }),
  },
  {
    name: 'openinference',
    claims: '`openinference.span.kind` is set (AGENT, TOOL, LLM, EMBEDDING, CHAIN, RETRIEVER, …)',
    why: "Arize Phoenix's conventions, after GenAI: a span with both is read as GenAI",
    matches: (a) => text(a, 'openinference.span.kind') !== undefined,
    map: (a, name) => {
      const kind = (text(a, 'openinference.span.kind') as string).toUpperCase();
      const known = OPENINFERENCE_KINDS[kind];
      const role = known?.role ?? 'step';
      return {
        endpoint: (role === 'tool' ? text(a, 'tool.name') : undefined) ?? name,
        event_kind: known?.event_kind ?? kind.toLowerCase(),
        role,
        agent: role === 'agent' ? first(text(a, 'agent.name'), name) : text(a, 'agent.name'),
        ...(role === 'model'
          ? {
              model: first(text(a, 'llm.model_name'), text(a, 'embedding.model_name')),
              input_tokens: count(a, 'llm.token_count.prompt'),
              output_tokens: count(a, 'llm.token_count.completion'),
            }
          : {}),
        input: text(a, 'input.value'),
        output: text(a, 'output.value'),
      };
    },
  },
  {
    name: 'openllmetry',
    claims: '`traceloop.span.kind` (workflow, task, agent, tool) or `llm.request.type` is set',
    why: "Traceloop's OpenLLMetry, last: its LLM spans carry gen_ai.* model and usage attributes",
    matches: (a) =>
      text(a, 'traceloop.span.kind') !== undefined || text(a, 'llm.request.type') !== undefined,
    map: (a, name) => {
      const request = text(a, 'llm.request.type');
      const kind = text(a, 'traceloop.span.kind') ?? '';
      const entity = text(a, 'traceloop.entity.name');
      if (request !== undefined && kind === '') {
        const event_kind = OPENLLMETRY_REQUESTS[request] ?? request;
        return { endpoint: name, event_kind, role: 'model', ...genAiUsage(a) };
      }
      const known = OPENLLMETRY_KINDS[kind];
      return {
        endpoint: entity ?? name,
        event_kind: known?.event_kind ?? kind,
        role: known?.role ?? 'step',
        agent: known?.role === 'agent' ? (entity ?? name) : undefined,
        input: text(a, 'traceloop.entity.input'),
        output: text(a, 'traceloop.entity.output'),
      };
    },
  },
];

/** The first dialect that claims the span, with what it maps; undefined: the span is dropped. */
export function mapSpan(
  attrs: Attributes,
  spanName: string,
  dialects: readonly DialectMapper[] = DIALECTS,
): { dialect: string; mapped: Mapped } | undefined {
  const dialect = dialects.find((d) => d.matches(attrs));
  return dialect === undefined
    ? undefined
    : { dialect: dialect.name, mapped: dialect.map(attrs, spanName) };
}
