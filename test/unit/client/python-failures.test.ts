import { afterEach, describe, expect, it } from 'vitest';
import { runPython } from '../../support/python-client';
import { type Answer, answers, type Receiver, startReceiver } from '../../support/receiver';

// The Python client's sender thread outlives whatever goes wrong around it:
// an on_error that raises, an answer it cannot read. Each test then sends
// more ops and checks they arrive, and that flush() returned to say so.

// These runs take well under a second; one that hangs is killed here, and fails.
const HANG = 60_000;

// An on_error that records the report, then raises.
const EXPLODING = `
def explode(kind, detail):
    record(kind, detail)
    raise ValueError("on_error failed")
`;

// 2xx answers that are no batch answer: each is retried (the ids make that
// safe) and the ops are sent again, not lost with the thread.
const GARBLED: { answer: string; first: Answer }[] = [
  { answer: 'a 201 cut short', first: { cut: true } },
  {
    answer: 'a 201 whose rejected is not a list',
    first: { status: 201, body: { ok: false, accepted: [], rejected: 'x' } },
  },
  {
    answer: 'a 207 naming an index the batch does not have',
    first: { status: 207, body: { ok: false, accepted: [], rejected: [{ index: 7, error: 'x' }] } },
  },
  {
    answer: 'a 207 naming no index',
    first: { status: 207, body: { ok: false, accepted: [], rejected: [{ error: 'x' }] } },
  },
];

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('an on_error that raises', () => {
  it('does not stop the sender: the ops observed after it are sent', async () => {
    receiver = await startReceiver(answers([{ status: 401, body: { error: 'no token' } }]));

    const { shown, reports } = await runPython(
      `${EXPLODING}
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=explode, flush_interval=30)
c.observe({"endpoint": "refused"})
c.flush()
c.observe({"endpoint": "after"})
c.flush()
show(sent=c.sent)
`,
      HANG,
    );

    expect(reports.map((r) => r.kind)).toEqual(['refused']);
    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['refused', 'after']);
    expect(shown).toEqual([{ sent: 1 }]);
  });

  it('does not raise into observe(), for a refused op or one pushed out of a full queue', async () => {
    receiver = await startReceiver();

    const { shown, reports } = await runPython(
      `${EXPLODING}
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=explode, flush_interval=30, max_queue=1)
results = [c.observe(["not a dict"]), c.observe({"endpoint": "first"}), c.observe({"endpoint": "second", "id": "op-2"})]
c.flush()
show(results=results)
`,
      HANG,
    );

    expect(reports.map((r) => r.kind)).toEqual(['invalid', 'dropped']);
    expect(shown).toEqual([{ results: [null, expect.any(String), 'op-2'] }]);
    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['second']);
  });

  it('does not make a recorded batch go out again when it raises on a 207', async () => {
    receiver = await startReceiver(
      answers([
        {
          status: 207,
          body: {
            ok: false,
            accepted: [{ index: 0 }],
            rejected: [{ index: 1, status: 400, error: 'invalid op' }],
          },
        },
      ]),
    );

    const { shown, reports } = await runPython(
      `${EXPLODING}
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=explode, flush_interval=30, max_retries=2, base=0.01)
c.observe({"endpoint": "good"})
c.observe({"endpoint": "", "id": "op-bad"})
c.flush()
show(sent=c.sent)
`,
      HANG,
    );

    expect(receiver.requests).toHaveLength(1);
    expect(reports).toEqual([{ kind: 'rejected', detail: ['op-bad', 'invalid op'] }]);
    expect(shown).toEqual([{ sent: 1 }]);
  });
});

describe('an answer the client cannot read', () => {
  it.each(GARBLED)('retries $answer with the same ids, and goes on sending', async ({ first }) => {
    receiver = await startReceiver(answers([first]));

    const { shown, reports } = await runPython(
      `
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30, base=0.01)
c.observe({"endpoint": "a"})
c.flush()
c.observe({"endpoint": "b"})
c.flush()
show(sent=c.sent)
`,
      HANG,
    );

    const endpoints = receiver.requests.map((r) => r.ops.map((o) => o.endpoint));
    expect(endpoints).toEqual([['a'], ['a'], ['b']]);
    expect(receiver.requests[1]?.ops[0]?.id).toBe(receiver.requests[0]?.ops[0]?.id);
    expect(reports).toEqual([]);
    expect(shown).toEqual([{ sent: 2 }]);
  });
});
