import { afterEach, describe, expect, it } from 'vitest';
import { runPython } from '../../support/python-client';
import { type Receiver, startReceiver } from '../../support/receiver';

// The Python client encodes each op when observe() is called: a datetime
// goes out as RFC 3339 text with its offset, and a value JSON cannot hold is
// refused there, through on_error, and never reaches the queue, so the ops
// beside it are still sent and flush() and the exit still return.

// These runs take well under a second; one that hangs is killed here, and fails.
const HANG = 60_000;

const RFC3339_WITH_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$/;

// A value json.dumps cannot write as JSON, the field it is put in (a dotted
// path for a nested value) and what the report must say about it.
const REFUSED = [
  // The service refuses a timestamp without an offset; guessing one (local
  // time? UTC?) would record the wrong instant without a word.
  {
    value: 'a naive datetime',
    field: 'timestamp',
    python: 'datetime(2026, 11, 24, 21, 15)',
    says: /without a timezone/,
  },
  {
    value: 'a naive datetime in a nested field',
    field: 'meta.started',
    python: '{"started": datetime(2026, 11, 24)}',
    says: /without a timezone/,
  },
  // A date is no instant: which time of day, in which zone?
  {
    value: 'a date',
    field: 'timestamp',
    python: 'date(2026, 11, 24)',
    says: /date without a time/,
  },
  // json.dumps raises TypeError for each of these.
  { value: 'a Decimal', field: 'duration_ms', python: 'Decimal("1.5")', says: /type Decimal/ },
  { value: 'a set', field: 'tags', python: '{"a", "b"}', says: /type set/ },
  { value: 'bytes', field: 'output_summary', python: 'b"\\x00\\xff"', says: /type bytes/ },
  {
    value: 'any other object',
    field: 'meta.handle',
    python: '{"handle": object()}',
    says: /type object/,
  },
  // json.dumps writes these as NaN and Infinity by default: not JSON, so the
  // service would refuse the whole batch, the ops beside them with it.
  { value: 'NaN', field: 'duration_ms', python: 'float("nan")', says: /nan: JSON has no NaN/ },
  { value: 'Infinity', field: 'duration_ms', python: 'float("inf")', says: /inf: JSON has no NaN/ },
  {
    value: '-Infinity',
    field: 'meta[0]',
    python: '[float("-inf")]',
    says: /-inf: JSON has no NaN/,
  },
  // json.dumps turns some keys into strings and raises for others; JSON keys are strings.
  {
    value: 'a key that is not a string',
    field: 'meta',
    python: '{(1, 2): "x"}',
    says: /key that is not a string/,
  },
  // The service refuses an op nested deeper than 64 levels (the op is level
  // 1); nested deep enough, json.dumps raises RecursionError.
  {
    value: 'lists nested 5,000 levels deep',
    field: `meta${'[0]'.repeat(63)}`, // the first list past level 64
    python: 'functools.reduce(lambda inner, _: [inner], range(5000), [])',
    says: /nests deeper than 64 levels/,
  },
  // It would recurse for ever.
  {
    value: 'a list that contains itself',
    field: 'meta[0]',
    python: '(lambda l: (l.append(l), l)[1])([])',
    says: /contains itself/,
  },
  {
    value: 'an op that is not a dict',
    field: '',
    python: '',
    says: /an op must be a dict, not a list/,
  },
];

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('encoding an op at observe()', () => {
  it('sends a datetime as RFC 3339 text with its offset, beside the other ops', async () => {
    receiver = await startReceiver();
    const before = Date.now();

    const { reports } = await runPython(
      `
from datetime import datetime, timedelta, timezone
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
c.observe({"endpoint": "plain"})
c.observe({"endpoint": "x", "timestamp": datetime.now(timezone.utc)})
c.observe({"endpoint": "nested", "meta": {"at": datetime(2026, 11, 24, 21, 15, 3, 123000, tzinfo=timezone(timedelta(hours=2)))}})
c.flush()
`,
      HANG,
    );

    const [plain, x, nested] = receiver.ops();
    expect(reports).toEqual([]);
    expect([plain?.endpoint, x?.endpoint, nested?.endpoint]).toEqual(['plain', 'x', 'nested']);
    expect(x?.timestamp).toMatch(RFC3339_WITH_OFFSET);
    expect(Date.parse(String(x?.timestamp))).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(String(x?.timestamp))).toBeLessThanOrEqual(Date.now());
    expect(nested?.meta).toEqual({ at: '2026-11-24T21:15:03.123000+02:00' });
  });

  it('exits after observing a datetime without flush(), having sent every op', async () => {
    receiver = await startReceiver();

    await runPython(
      `
from datetime import datetime, timezone
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
c.observe({"endpoint": "before"})
c.observe({"endpoint": "x", "timestamp": datetime.now(timezone.utc)})
c.observe({"endpoint": "after"})
`,
      HANG,
    );

    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['before', 'x', 'after']);
  });

  it('writes a timezone offset of seconds as UTC: RFC 3339 offsets are whole minutes', async () => {
    receiver = await startReceiver();

    await runPython(
      `
from datetime import datetime, timedelta, timezone
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
c.observe({"endpoint": "x", "timestamp": datetime(2026, 1, 1, tzinfo=timezone(timedelta(seconds=30)))})
c.flush()
`,
      HANG,
    );

    expect(receiver.ops()[0]?.timestamp).toBe('2025-12-31T23:59:30+00:00');
  });
});

describe('a value JSON cannot hold', () => {
  it.each(REFUSED)(
    'refuses $value through on_error, naming the field; the ops beside it are sent',
    async ({ field, python, says }) => {
      receiver = await startReceiver();
      const bad =
        field === ''
          ? '["bad"]'
          : `{"endpoint": "bad", ${JSON.stringify(field.split(/[.[]/)[0])}: ${python}}`;

      const { shown, reports } = await runPython(
        `
import functools
from datetime import date, datetime, timezone
from decimal import Decimal
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
c.observe({"endpoint": "before"})
refused = c.observe(${bad})
c.observe({"endpoint": "after"})
c.flush()
show(refused=refused, sent=c.sent)
`,
        HANG,
      );

      expect(reports).toEqual([{ kind: 'invalid', detail: expect.stringMatching(says) }]);
      if (field !== '') expect(reports[0]?.detail).toContain(`op field "${field}"`);
      expect(shown).toEqual([{ refused: null, sent: 2 }]);
      expect(receiver.ops().map((o) => o.endpoint)).toEqual(['before', 'after']);
    },
  );

  it('is refused before it is queued: the exit sends the ops beside it and returns', async () => {
    receiver = await startReceiver();

    const { reports } = await runPython(
      `
from decimal import Decimal
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
c.observe({"endpoint": "before"})
c.observe({"endpoint": "bad", "cost": Decimal("0.1")})
c.observe({"endpoint": "after"})
`,
      HANG,
    );

    expect(reports.map((r) => r.kind)).toEqual(['invalid']);
    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['before', 'after']);
  });
});
