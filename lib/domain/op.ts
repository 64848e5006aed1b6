import { z } from 'zod';
import { normalizeTimestamp } from './timestamp';

/** The sources named by the taxonomy; any other lowercase identifier is accepted too. */
export const KNOWN_SOURCES = ['mcp', 'scenario', 'langfuse', 'overseer_correction'] as const;

/** The source an op without one counts as. */
export const DEFAULT_SOURCE = 'mcp';

/** The field that keeps a client's timestamp as sent, when it differs from the stored (normalized) one. */
export const CLIENT_TIMESTAMP_FIELD = 'client_timestamp';

/** The largest op accepted, measured as its serialized JSON in bytes. */
export const MAX_OP_BYTES = 64 * 1024;

/** How deeply arrays and objects may nest inside an op (the op itself is level 1). */
export const MAX_OP_DEPTH = 64;

const OUT_OF_RANGE = 'must be an RFC 3339 timestamp whose UTC year is 0000 to 9999';

const TOO_DEEP = `must not nest arrays or objects more than ${MAX_OP_DEPTH} levels deep`;

const SOURCE_PATTERN = /^[a-z][a-z0-9_.-]{0,63}$/;

const RFC3339 = z.iso.datetime({ offset: true });

/** A date and time without an offset: what Python's naive `datetime.isoformat()` writes. */
const WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** Why a timestamp is refused: most often, a local time sent without its offset. */
function timestampProblem(text: string): string {
  if (WITHOUT_OFFSET.test(text)) {
    return 'must be an RFC 3339 timestamp with an offset (Z or ±HH:MM, such as 2026-12-05T10:00:00Z); it has none';
  }
  return 'must be an RFC 3339 timestamp';
}

/** What a trace, span or run id may hold: it is used in a URL path (`GET /observer/runs/{trace_id}`). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

const runId = z
  .string({ error: 'must be a string' })
  .regex(RUN_ID_PATTERN, {
    error: 'must be 1 to 128 letters, digits and . _ : - (such as 32 hex digits)',
  })
  .nullish();

const tokenCount = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .nonnegative({ error: 'must be >= 0' })
  .max(Number.MAX_SAFE_INTEGER, { error: 'must be at most 2^53 - 1' })
  .nullish();

const boundedString = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .max(max, { error: `must be at most ${max} characters` })
    .nullish();

const OP_FIELDS = {
  endpoint: z
    .string({ error: 'is required and must be a string' })
    .max(512, { error: 'must be at most 512 characters' })
    // Not empty after trimming, said as a pattern so the API description carries it.
    .regex(/\S/, { error: 'must not be empty' }),
  success: z.boolean({ error: 'must be a boolean' }).nullish(),
  timestamp: z
    .string({ error: 'must be an RFC 3339 timestamp' })
    // RFC 3339 allows a lowercase "t" and "z"; parseOp stores the instant normalized to UTC.
    .superRefine((v, ctx) => {
      if (RFC3339.safeParse(v.toUpperCase()).success) return;
      ctx.addIssue({ code: 'custom', message: timestampProblem(v) });
    })
    .nullish(),
  source: z
    .string({ error: 'must be a string' })
    .regex(SOURCE_PATTERN, {
      error: 'must be a lowercase identifier matching [a-z][a-z0-9_.-]{0,63}',
    })
    .nullish(),
  id: z
    .string({ error: 'must be a string' })
    .min(1, { error: 'must not be empty' })
    .max(128, { error: 'must be at most 128 characters' })
    .nullish(),
  duration_ms: z
    .number({ error: 'must be a number' })
    .nonnegative({ error: 'must be >= 0' })
    .nullish(),
  staffer_id: boundedString(256),
  event_kind: boundedString(256),
  role: boundedString(256),
  error: boundedString(16 * 1024),
  input_summary: boundedString(16 * 1024),
  output_summary: boundedString(16 * 1024),
  // A run: the ops of one trace, linked by span ids (docs/api.md, "Runs").
  trace_id: runId,
  span_id: runId,
  parent_span_id: runId,
  conversation_id: boundedString(256),
  scenario: boundedString(256),
  // Model use: counted per model and per agent (staffer_id), priced by the price table.
  model: boundedString(256),
  input_tokens: tokenCount,
  output_tokens: tokenCount,
};

/**
 * The fields added with runs and token accounting. An op stored before
 * they were known may hold one of them with another shape; such a value is
 * left out when the op is read back, rather than the whole op.
 */
export const RUN_FIELDS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'conversation_id',
  'scenario',
  'model',
  'input_tokens',
  'output_tokens',
] as const;

/**
 * One observed op as clients send it and as it is stored. Unknown fields are
 * kept as sent; `null` in an optional field means absent.
 */
export const ObservedOpSchema = z.looseObject(OP_FIELDS).transform(dropKnownNulls);

type KnownFields = z.output<z.ZodObject<typeof OP_FIELDS>>;

/** An op after defaults: success, timestamp and source are always present. */
export type ObservedOp = { [K in keyof KnownFields]?: Exclude<KnownFields[K], null> } & {
  endpoint: string;
  success: boolean;
  timestamp: string;
  source: string;
  [field: string]: unknown;
};

/** A field that failed validation and why. */
export const FieldIssueSchema = z.object({
  field: z.string().describe('the field, dotted for a nested one; "(body)" for the op as a whole'),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssueSchema>;

export type ParseOpResult =
  | { ok: true; op: ObservedOp }
  | { ok: false; issues: FieldIssue[] }
  | { ok: false; tooLarge: true; bytes: number };

/**
 * Validates one op and applies the defaults (success false, timestamp now,
 * source mcp). A sent timestamp is stored as its instant in UTC
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`), the text as sent in `client_timestamp` when
 * it differs. Pure: `now` is the server's receive time.
 */
export function parseOp(input: unknown, now: Date): ParseOpResult {
  // Serializing a value nested thousands deep overflows the stack; refuse it first.
  if (nestsDeeperThan(input, MAX_OP_DEPTH)) {
    return { ok: false, issues: [{ field: '(body)', message: TOO_DEEP }] };
  }
  const parsed = ObservedOpSchema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, issues: parsed.error.issues.map(toFieldIssue) };
  }
  const sent = parsed.data.timestamp;
  const timestamp = sent === undefined ? now.toISOString() : normalizeTimestamp(sent);
  if (timestamp === undefined) {
    return { ok: false, issues: [{ field: 'timestamp', message: OUT_OF_RANGE }] };
  }
  const op: ObservedOp = {
    ...asSent(input, parsed.data),
    endpoint: parsed.data.endpoint,
    success: parsed.data.success ?? false,
    timestamp,
    source: parsed.data.source ?? DEFAULT_SOURCE,
    ...(sent !== undefined && sent !== timestamp ? { [CLIENT_TIMESTAMP_FIELD]: sent } : {}),
  };
  const bytes = Buffer.byteLength(JSON.stringify(op));
  if (bytes > MAX_OP_BYTES) return { ok: false, tooLarge: true, bytes };
  return { ok: true, op };
}

/** Reads back an op that was stored earlier; undefined when the value is not a valid op. */
export function parseStoredOp(input: unknown): ObservedOp | undefined {
  if (nestsDeeperThan(input, MAX_OP_DEPTH)) return undefined;
  let parsed = ObservedOpSchema.safeParse(input);
  if (!parsed.success && onlyRunFields(parsed.error.issues)) {
    input = withoutRunFields(input as Record<string, unknown>, parsed.error.issues);
    parsed = ObservedOpSchema.safeParse(input);
  }
  if (!parsed.success) return undefined;
  const { success, timestamp, source } = parsed.data;
  if (typeof timestamp !== 'string') return undefined;
  return {
    ...asSent(input, parsed.data),
    endpoint: parsed.data.endpoint,
    success: success ?? false,
    timestamp,
    source: source ?? DEFAULT_SOURCE,
  };
}

const RUN_FIELD_SET: ReadonlySet<string> = new Set(RUN_FIELDS);

function onlyRunFields(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.every((i) => RUN_FIELD_SET.has(String(i.path[0])));
}

// An op stored before the run fields existed, read without the values they now refuse.
function withoutRunFields(
  input: Record<string, unknown>,
  issues: readonly z.core.$ZodIssue[],
): Record<string, unknown> {
  const bad = new Set(issues.map((i) => String(i.path[0])));
  return Object.fromEntries(Object.entries(input).filter(([k]) => !bad.has(k)));
}

/**
 * True when arrays or objects in `value` nest deeper than `max` levels.
 * Iterative, so it is safe on any value JSON.parse returns.
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** One line per issue: `endpoint: must not be empty`. */
export function describeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join('; ');
}

function toFieldIssue(issue: z.core.$ZodIssue): FieldIssue {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  const message =
    issue.code === 'invalid_type' && issue.path.length === 0
      ? 'must be a JSON object'
      : issue.message;
  return { field, message };
}

const OPTIONAL_FIELDS = new Set(Object.keys(OP_FIELDS).filter((k) => k !== 'endpoint'));

// A null in a known optional field means "absent"; unknown fields stay exactly as sent.
function dropKnownNulls(value: KnownFields & Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) {
    const v = value[k];
    if (v !== null || !OPTIONAL_FIELDS.has(k)) setOwn(out, k, v);
  }
  return out as { [K in keyof KnownFields]?: Exclude<KnownFields[K], null> } & {
    endpoint: string;
    [field: string]: unknown;
  };
}

/**
 * The op as sent, in its field order, with the validated known fields in
 * place: every other member is kept as it came, `__proto__`, `constructor`
 * and `prototype` included, as own data properties (zod drops `__proto__`,
 * and assigning it would set the object's prototype instead of a field).
 */
function asSent(input: unknown, known: Record<string, unknown>): Record<string, unknown> {
  const sent = input as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(sent)) {
    const v = Object.hasOwn(known, k) ? known[k] : sent[k];
    if (v !== null || !OPTIONAL_FIELDS.has(k)) setOwn(out, k, v);
  }
  return out;
}

/** Sets an own data property, `__proto__` too (an assignment would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** An op as stored and answered: defaults applied, unknown fields as sent. */
export const StoredOpSchema = z
  .looseObject({
    endpoint: z.string(),
    success: z.boolean(),
    timestamp: z.string(),
    source: z.string(),
    id: z.string().optional(),
  })
  .describe('an op as stored: its fields as sent, defaults applied');
