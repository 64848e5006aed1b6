import { describe, expect, it } from 'vitest';
import {
  CLIENT_TIMESTAMP_FIELD,
  DEFAULT_SOURCE,
  describeIssues,
  type FieldIssue,
  KNOWN_SOURCES,
  MAX_OP_BYTES,
  MAX_OP_DEPTH,
  type ObservedOp,
  type ParseOpResult,
  parseOp,
  parseStoredOp,
} from '../../../lib/domain/op';

const NOW = new Date('2026-11-24T21:15:03.123Z');

/** The op a successful parse produced; fails the test with the issues otherwise. */
function accepted(input: unknown, now = NOW): ObservedOp {
  const result = parseOp(input, now);
  if (!result.ok) throw new Error(`expected the op to be accepted, got ${JSON.stringify(result)}`);
  return result.op;
}

/** The issues of a rejected parse; fails the test when the op was accepted or too large. */
function issuesOf(input: unknown): FieldIssue[] {
  const result: ParseOpResult = parseOp(input, NOW);
  if (result.ok || !('issues' in result)) {
    throw new Error(`expected validation issues, got ${JSON.stringify(result)}`);
  }
  return result.issues;
}

function rejectedFields(input: unknown): string[] {
  return issuesOf(input).map((i) => i.field);
}

describe('parseOp: endpoint', () => {
  it('accepts an op that has only an endpoint', () => {
    const op = accepted({ endpoint: 'tools/call' });

    expect(op.endpoint).toBe('tools/call');
  });

  it('rejects an op without an endpoint, naming the field', () => {
    expect(rejectedFields({ success: true })).toEqual(['endpoint']);
  });

  it('rejects an endpoint that is not a string', () => {
    expect(rejectedFields({ endpoint: 42 })).toEqual(['endpoint']);
  });

  it.each([
    ['empty', ''],
    ['spaces only', '   '],
    ['tabs and newlines only', '\t\n '],
  ])('rejects an endpoint that is %s', (_label, endpoint) => {
    expect(rejectedFields({ endpoint })).toEqual(['endpoint']);
  });

  it('accepts an endpoint of exactly 512 characters', () => {
    const endpoint = 'e'.repeat(512);

    expect(accepted({ endpoint }).endpoint).toBe(endpoint);
  });

  it('rejects an endpoint of 513 characters', () => {
    const issues = issuesOf({ endpoint: 'e'.repeat(513) });

    expect(issues).toEqual([{ field: 'endpoint', message: expect.stringContaining('512') }]);
  });

  it('rejects a null endpoint, since the endpoint is required', () => {
    expect(rejectedFields({ endpoint: null })).toEqual(['endpoint']);
  });
});

describe('parseOp: success', () => {
  it('defaults success to false when it is missing', () => {
    expect(accepted({ endpoint: 'e' }).success).toBe(false);
  });

  it.each([true, false])('keeps success %s as sent', (success) => {
    expect(accepted({ endpoint: 'e', success }).success).toBe(success);
  });

  it.each([
    ['"true"', 'true'],
    ['1', 1],
    ['"yes"', 'yes'],
  ])('rejects success sent as %s instead of a boolean', (_label, success) => {
    expect(rejectedFields({ endpoint: 'e', success })).toEqual(['success']);
  });
});

describe('parseOp: timestamp', () => {
  it('sets a missing timestamp to the given now as an ISO string', () => {
    const now = new Date('2027-03-04T05:06:07.089Z');

    expect(accepted({ endpoint: 'e' }, now).timestamp).toBe('2027-03-04T05:06:07.089Z');
  });

  it.each([
    ['2026-11-24T21:15:03Z', '2026-11-24T21:15:03.000Z'],
    ['2026-11-24T21:15:03.123456Z', '2026-11-24T21:15:03.123Z'],
    ['2026-11-24T21:15:03+05:30', '2026-11-24T15:45:03.000Z'],
    ['2026-11-24T21:15:03.5-08:00', '2026-11-25T05:15:03.500Z'],
    ['2026-11-24T21:15:03-00:00', '2026-11-24T21:15:03.000Z'],
    ['2026-11-24t21:15:03z', '2026-11-24T21:15:03.000Z'],
    ['2026-11-24t21:15:03.5z', '2026-11-24T21:15:03.500Z'],
  ])(
    'stores the RFC 3339 timestamp %s as %s, the text as sent in client_timestamp',
    (sent, utc) => {
      const op = accepted({ endpoint: 'e', timestamp: sent });

      expect(op.timestamp).toBe(utc);
      expect(op[CLIENT_TIMESTAMP_FIELD]).toBe(sent);
    },
  );

  it('stores a timestamp already in UTC with milliseconds as sent, without client_timestamp', () => {
    const op = accepted({ endpoint: 'e', timestamp: '2026-11-24T21:15:03.123Z' });

    expect(op).toStrictEqual({
      endpoint: 'e',
      success: false,
      timestamp: '2026-11-24T21:15:03.123Z',
      source: 'mcp',
    });
  });

  it('sets no client_timestamp on an op sent without a timestamp', () => {
    expect(accepted({ endpoint: 'e' })).not.toHaveProperty(CLIENT_TIMESTAMP_FIELD);
  });

  it('replaces a client_timestamp the client sent when it normalizes the timestamp', () => {
    const op = accepted({
      endpoint: 'e',
      timestamp: '2026-11-24T22:15:03+01:00',
      client_timestamp: 'x',
    });

    expect(op[CLIENT_TIMESTAMP_FIELD]).toBe('2026-11-24T22:15:03+01:00');
  });

  it('refuses a timestamp whose UTC instant falls outside the years 0000 to 9999', () => {
    const issues = issuesOf({ endpoint: 'e', timestamp: '9999-12-31T23:30:00-01:00' });

    expect(issues).toEqual([
      {
        field: 'timestamp',
        message: 'must be an RFC 3339 timestamp whose UTC year is 0000 to 9999',
      },
    ]);
  });

  it.each([
    ['garbage', 'yesterday'],
    ['a date without a time', '2026-11-24'],
    ['a time without an offset', '2026-11-24T21:15:03'],
    ['a number of epoch ms', 1_795_000_000_000],
    ['an impossible month', '2026-13-01T00:00:00Z'],
    ['an empty string', ''],
  ])('rejects a timestamp that is %s', (_label, timestamp) => {
    expect(rejectedFields({ endpoint: 'e', timestamp })).toEqual(['timestamp']);
  });

  it.each([
    ['2026-12-05T10:00:00'],
    ['2026-12-05T10:00:00.123456'],
    ['2026-12-05 10:00:00'],
    ['2026-12-05T10:00'],
  ])('says the offset is missing from the naive local time %s', (timestamp) => {
    expect(issuesOf({ endpoint: 'e', timestamp })).toEqual([
      {
        field: 'timestamp',
        message:
          'must be an RFC 3339 timestamp with an offset (Z or ±HH:MM, such as 2026-12-05T10:00:00Z); it has none',
      },
    ]);
  });

  it('says only what it is for text that is no timestamp at all', () => {
    expect(issuesOf({ endpoint: 'e', timestamp: 'yesterday' })).toEqual([
      { field: 'timestamp', message: 'must be an RFC 3339 timestamp' },
    ]);
  });
});

describe('parseOp: source', () => {
  it('defaults source to mcp when it is missing', () => {
    expect(accepted({ endpoint: 'e' }).source).toBe('mcp');
    expect(DEFAULT_SOURCE).toBe('mcp');
  });

  it.each([...KNOWN_SOURCES])('accepts the taxonomy source %s', (source) => {
    expect(accepted({ endpoint: 'e', source }).source).toBe(source);
  });

  it.each(['custom', 'my_tool.v2-beta', 'a', `a${'b'.repeat(63)}`])(
    'accepts the lowercase identifier %s outside the taxonomy',
    (source) => {
      expect(accepted({ endpoint: 'e', source }).source).toBe(source);
    },
  );

  it.each([
    ['uppercase', 'MCP'],
    ['mixed case', 'Scenario'],
    ['65 characters long', `a${'b'.repeat(64)}`],
    ['starting with a digit', '1scenario'],
    ['starting with an underscore', '_mcp'],
    ['empty', ''],
    ['holding a space', 'my tool'],
    ['holding a slash', 'a/b'],
  ])('rejects a source that is %s', (_label, source) => {
    expect(rejectedFields({ endpoint: 'e', source })).toEqual(['source']);
  });

  it('rejects a source that is not a string', () => {
    expect(rejectedFields({ endpoint: 'e', source: 7 })).toEqual(['source']);
  });
});

describe('parseOp: id and duration_ms', () => {
  it('accepts an id of 128 characters', () => {
    const id = 'i'.repeat(128);

    expect(accepted({ endpoint: 'e', id }).id).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['129 characters long', 'i'.repeat(129)],
    ['a number', 12],
  ])('rejects an id that is %s', (_label, id) => {
    expect(rejectedFields({ endpoint: 'e', id })).toEqual(['id']);
  });

  it.each([0, 12.5, 86_400_000])('accepts duration_ms %s', (duration_ms) => {
    expect(accepted({ endpoint: 'e', duration_ms }).duration_ms).toBe(duration_ms);
  });

  it.each([
    ['negative', -1],
    ['a numeric string', '5'],
    ['a boolean', true],
  ])('rejects a duration_ms that is %s', (_label, duration_ms) => {
    expect(rejectedFields({ endpoint: 'e', duration_ms })).toEqual(['duration_ms']);
  });
});

describe('parseOp: bounded optional strings', () => {
  const limits: [string, number][] = [
    ['staffer_id', 256],
    ['event_kind', 256],
    ['role', 256],
    ['error', 16 * 1024],
    ['input_summary', 16 * 1024],
    ['output_summary', 16 * 1024],
  ];

  it.each(limits)('accepts %s at its limit of %i characters', (field, max) => {
    const op = accepted({ endpoint: 'e', [field]: 'x'.repeat(max) });

    expect(op[field]).toBe('x'.repeat(max));
  });

  it.each(limits)('rejects %s one character over its limit of %i', (field, max) => {
    const issues = issuesOf({ endpoint: 'e', [field]: 'x'.repeat(max + 1) });

    expect(issues).toEqual([{ field, message: expect.stringContaining(String(max)) }]);
  });

  it.each(limits)('rejects %s when it is not a string', (field) => {
    expect(rejectedFields({ endpoint: 'e', [field]: { nested: true } })).toEqual([field]);
  });
});

describe('parseOp: nulls and unknown fields', () => {
  it('treats null in every known optional field as absent and applies the defaults', () => {
    const op = accepted({
      endpoint: 'e',
      success: null,
      timestamp: null,
      source: null,
      id: null,
      duration_ms: null,
      staffer_id: null,
      event_kind: null,
      role: null,
      error: null,
      input_summary: null,
      output_summary: null,
    });

    expect(op).toStrictEqual({
      endpoint: 'e',
      success: false,
      timestamp: NOW.toISOString(),
      source: 'mcp',
    });
  });

  it('keeps unknown fields exactly as sent, including nested objects and nulls', () => {
    const extras = {
      tags: ['a', 'b'],
      meta: { nested: { deep: [1, { x: null }, 'three'] }, flag: false },
      note: null,
      count: 0,
      empty: '',
    };

    const op = accepted({ endpoint: 'e', ...extras });

    expect(op).toStrictEqual({
      endpoint: 'e',
      success: false,
      timestamp: NOW.toISOString(),
      source: 'mcp',
      ...extras,
    });
  });

  it('keeps an unknown field whose value is null as a present key', () => {
    const op = accepted({ endpoint: 'e', trace: null });

    expect(Object.hasOwn(op, 'trace')).toBe(true);
    expect(JSON.stringify(op)).toContain('"trace":null');
  });
});

describe('parseOp: size', () => {
  // The final op's serialized size, with every defaulted field given explicitly.
  function opOfBytes(bytes: number): Record<string, unknown> {
    const base = {
      endpoint: 'e',
      success: true,
      timestamp: '2026-11-24T21:15:03.123Z',
      source: 'mcp',
      pad: '',
    };
    const overhead = Buffer.byteLength(JSON.stringify(base));
    return { ...base, pad: 'p'.repeat(bytes - overhead) };
  }

  it('accepts an op of exactly 64 KiB serialized', () => {
    const input = opOfBytes(MAX_OP_BYTES);

    const op = accepted(input);

    expect(Buffer.byteLength(JSON.stringify(op))).toBe(64 * 1024);
  });

  it('reports an op one byte over 64 KiB serialized as too large, with its size', () => {
    const result = parseOp(opOfBytes(MAX_OP_BYTES + 1), NOW);

    expect(result).toEqual({ ok: false, tooLarge: true, bytes: 64 * 1024 + 1 });
  });

  it('measures the size in UTF-8 bytes, not characters', () => {
    // 40,000 two-byte characters: under 64 Ki characters, over 64 KiB.
    const result = parseOp({ endpoint: 'e', note: 'é'.repeat(40_000) }, NOW);

    expect(result).toMatchObject({ ok: false, tooLarge: true });
  });

  it('counts the defaults it adds toward the limit', () => {
    // Fits without the defaulted success/timestamp/source, not with them.
    const bare = { endpoint: 'e', pad: '' };
    const pad = 'p'.repeat(MAX_OP_BYTES - Buffer.byteLength(JSON.stringify(bare)));

    const result = parseOp({ endpoint: 'e', pad }, NOW);

    expect(result).toMatchObject({ ok: false, tooLarge: true });
  });
});

describe('parseOp: nesting', () => {
  /** An op whose `nested` field makes the op `depth` levels deep in all. */
  const opOfDepth = (depth: number) => ({
    endpoint: 'e',
    nested: JSON.parse(`${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`),
  });

  it('accepts an op nested exactly 64 levels deep', () => {
    expect(parseOp(opOfDepth(MAX_OP_DEPTH), NOW).ok).toBe(true);
  });

  it('rejects an op nested 65 levels deep on (body)', () => {
    expect(issuesOf(opOfDepth(MAX_OP_DEPTH + 1))).toEqual([
      { field: '(body)', message: expect.stringContaining('64 levels') },
    ]);
  });

  it('rejects a value nested 100,000 deep without overflowing the stack', () => {
    expect(() => issuesOf(opOfDepth(100_000))).not.toThrow();
  });

  it('reads back no stored op nested deeper than the limit', () => {
    const stored = { ...opOfDepth(MAX_OP_DEPTH + 1), timestamp: NOW.toISOString() };

    expect(parseStoredOp(stored)).toBeUndefined();
  });
});

describe('parseOp: body shape', () => {
  it.each([
    ['an array', [{ endpoint: 'e' }]],
    ['a string', 'endpoint'],
    ['a number', 42],
    ['null', null],
    ['a boolean', true],
  ])('rejects a body that is %s with one issue on (body)', (_label, body) => {
    const issues = issuesOf(body);

    expect(issues).toEqual([{ field: '(body)', message: expect.stringContaining('object') }]);
  });

  it('reports every bad field at once', () => {
    const fields = rejectedFields({ endpoint: '', success: 'yes', source: 'MCP' });

    expect(fields.sort()).toEqual(['endpoint', 'source', 'success']);
  });
});

describe('describeIssues', () => {
  it('names each field with its reason', () => {
    const text = describeIssues([
      { field: 'endpoint', message: 'must not be empty' },
      { field: 'success', message: 'must be a boolean' },
    ]);

    expect(text).toBe('endpoint: must not be empty; success: must be a boolean');
  });

  it('names the failing field of a rejected op', () => {
    const text = describeIssues(issuesOf({ endpoint: 'e', duration_ms: -5 }));

    expect(text).toMatch(/^duration_ms: /);
  });
});

describe('parseStoredOp', () => {
  it('reads back a stored op with its unknown fields', () => {
    const stored = {
      endpoint: 'e',
      success: true,
      timestamp: '2026-11-24T21:15:03.123Z',
      source: 'scenario',
      extra: { a: [1, null] },
    };

    expect(parseStoredOp(JSON.parse(JSON.stringify(stored)))).toStrictEqual(stored);
  });

  it('reads back a timestamp stored before normalization as it was stored', () => {
    const stored = {
      endpoint: 'e',
      success: true,
      timestamp: '2026-11-24t21:15:03.5z',
      source: 'mcp',
    };

    expect(parseStoredOp(stored)).toStrictEqual(stored);
  });

  it('rejects a value without a timestamp instead of inventing one', () => {
    expect(parseStoredOp({ endpoint: 'e', success: true, source: 'mcp' })).toBeUndefined();
  });

  it('rejects a value whose timestamp is null', () => {
    expect(parseStoredOp({ endpoint: 'e', timestamp: null })).toBeUndefined();
  });

  it('applies the success and source defaults to an old op stored without them', () => {
    const op = parseStoredOp({ endpoint: 'e', timestamp: '2026-11-24T21:15:03Z' });

    expect(op).toStrictEqual({
      endpoint: 'e',
      success: false,
      timestamp: '2026-11-24T21:15:03Z',
      source: 'mcp',
    });
  });

  it.each([
    ['no endpoint', { timestamp: '2026-11-24T21:15:03Z' }],
    ['a bad source', { endpoint: 'e', timestamp: '2026-11-24T21:15:03Z', source: 'X' }],
    ['an array', [{ endpoint: 'e', timestamp: '2026-11-24T21:15:03Z' }]],
    ['null', null],
  ])('rejects a stored value with %s', (_label, value) => {
    expect(parseStoredOp(value)).toBeUndefined();
  });
});

describe('parseOp: run and model fields', () => {
  it('keeps trace, span and parent ids, the conversation, the model and its tokens', () => {
    const op = accepted({
      endpoint: 'search',
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      parent_span_id: 'run-17:plan',
      conversation_id: 'chat 42',
      scenario: 'nightly-regression',
      model: 'gpt-4o-mini',
      input_tokens: 1200,
      output_tokens: 0,
    });

    expect(op).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      parent_span_id: 'run-17:plan',
      conversation_id: 'chat 42',
      scenario: 'nightly-regression',
      model: 'gpt-4o-mini',
      input_tokens: 1200,
      output_tokens: 0,
    });
  });

  it.each([
    ['trace_id', 'has a space'],
    ['span_id', 'a/b'],
    ['parent_span_id', ''],
    ['trace_id', 'x'.repeat(129)],
    ['input_tokens', -1],
    ['output_tokens', 1.5],
    ['input_tokens', '12'],
    ['model', 7],
  ])('refuses %s = %j, naming the field', (field, value) => {
    expect(rejectedFields({ endpoint: 'a', [field]: value })).toEqual([field]);
  });

  it('reads back an op stored before these fields existed without the value they now refuse', () => {
    const stored = { endpoint: 'a', success: true, timestamp: NOW.toISOString(), trace_id: 42 };

    const op = parseStoredOp(stored);

    expect(op).toEqual({
      endpoint: 'a',
      success: true,
      timestamp: NOW.toISOString(),
      source: 'mcp',
    });
  });

  it('still refuses a stored op whose older fields are wrong', () => {
    expect(
      parseStoredOp({ endpoint: 'a', timestamp: NOW.toISOString(), trace_id: 42, success: 'no' }),
    ).toBeUndefined();
  });
});
