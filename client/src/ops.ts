import { InvalidOpError } from './errors';

/** The largest op the service takes, as serialized JSON in bytes. */
export const MAX_OP_BYTES = 64 * 1024;

/** The longest `id` the service takes. */
export const MAX_ID_LENGTH = 128;

/** The longest `endpoint` the service takes. */
export const MAX_ENDPOINT_LENGTH = 512;

/**
 * An observed op as the service takes it: `endpoint` is required; the other
 * known fields are optional, and any other field is kept as sent.
 */
export interface Op {
  endpoint: string;
  id?: string;
  success?: boolean;
  timestamp?: string;
  source?: string;
  duration_ms?: number;
  staffer_id?: string;
  event_kind?: string;
  role?: string;
  error?: string;
  input_summary?: string;
  output_summary?: string;
  /** The run the op belongs to: ops with one trace_id are one run (`GET /observer/runs/{trace_id}`). */
  trace_id?: string;
  /** The op's own id within its run, for children to name as their parent. */
  span_id?: string;
  /** The span_id of the op this one ran inside (absent for the run's root). */
  parent_span_id?: string;
  /** The conversation or session the run belongs to. */
  conversation_id?: string;
  /** The scenario the run plays, for scenario runners. */
  scenario?: string;
  /** The model called, and its tokens: totalled per model and per agent, priced by the service. */
  model?: string;
  input_tokens?: number;
  output_tokens?: number;
  [field: string]: unknown;
}

/** An op ready to send: its id and its JSON, serialized once when it was observed. */
export interface PreparedOp {
  id: string;
  json: string;
  bytes: number;
}

/**
 * Checks the little the client can check without the service's schema (an
 * object, an endpoint, an id, JSON that fits) and gives the op an `id` and a
 * `timestamp` (the time it was observed) when it has none.
 */
export function prepareOp(op: unknown, now: Date): PreparedOp | InvalidOpError {
  if (typeof op !== 'object' || op === null || Array.isArray(op)) {
    return new InvalidOpError('an op must be an object');
  }
  const fields = op as Record<string, unknown>;
  const { endpoint, id } = fields;
  if (typeof endpoint !== 'string' || endpoint.trim() === '') {
    return new InvalidOpError('an op needs an endpoint: a non-empty string');
  }
  if (endpoint.length > MAX_ENDPOINT_LENGTH) {
    return new InvalidOpError(`endpoint must be at most ${MAX_ENDPOINT_LENGTH} characters`);
  }
  if (id !== undefined && id !== null && !isValidId(id)) {
    return new InvalidOpError(`id must be a string of 1 to ${MAX_ID_LENGTH} characters`);
  }
  const stable = typeof id === 'string' ? id : newId();
  const timestamp = fields.timestamp ?? now.toISOString();
  let json: string;
  try {
    json = JSON.stringify({ ...fields, id: stable, timestamp });
  } catch (err: unknown) {
    return new InvalidOpError('the op cannot be serialized as JSON', { cause: err });
  }
  const bytes = utf8Length(json);
  if (bytes > MAX_OP_BYTES) {
    return new InvalidOpError(`the op is ${bytes} bytes as JSON; the limit is ${MAX_OP_BYTES}`);
  }
  return { id: stable, json, bytes };
}

function isValidId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= MAX_ID_LENGTH;
}

/**
 * A random UUID (v4): crypto.randomUUID where there is one, else built from
 * crypto.getRandomValues (browsers offer randomUUID only in secure contexts).
 */
export function newId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Bytes of a string encoded as UTF-8 (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
