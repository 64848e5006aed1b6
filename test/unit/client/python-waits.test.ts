import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { runPython } from '../../support/python-client';
import { acceptAll, type Receiver, type Script, startReceiver } from '../../support/receiver';

// flush(), shutdown() and the exit hook of the Python client return within
// their bounds whatever the service does: no answer at all, or no service.
// Requests are given a 300 s timeout, so only those bounds can end a wait.

// These runs take a few seconds at most; one that hangs is killed here, and fails.
const HANG = 60_000;

// How long a bounded wait may take on a busy machine: far above the bounds
// the tests set (under a second), far below the default request timeout.
const BOUND_S = 30;

const silent: Script = () => ({ hang: true });

// Every batch accepted, each answer 50 ms late.
const slowly: Script = (req, n) => {
  const answer = acceptAll(req, n);
  return 'status' in answer ? { ...answer, delayMs: 50 } : answer;
};

// Nothing listens on port 1 (and only root could): every request is refused at once.
const NOWHERE = 'http://127.0.0.1:1';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('flush()', () => {
  it('returns False after its timeout while the service never answers', async () => {
    receiver = await startReceiver(silent);

    const { shown } = await runPython(
      `
import time
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, timeout=300, exit_timeout=0.1)
c.observe({"endpoint": "a"})
started = time.monotonic()
done = c.flush(timeout=0.5)
show(done=done, waited=time.monotonic() - started)
`,
      HANG,
    );

    const { done, waited } = shown[0] as { done: boolean; waited: number };
    expect(done).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(0.45);
    expect(waited).toBeLessThan(BOUND_S);
  });

  it('returns once the ops observed before it are sent, while another thread keeps the queue from emptying', async () => {
    // Each answer takes 50 ms, and another op is observed every millisecond
    // or so: the queue is never empty when a batch is answered.
    receiver = await startReceiver(slowly);

    const { shown } = await runPython(
      `
import threading, time
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_interval=30)
stop = threading.Event()
def keep_observing():
    while not stop.is_set():
        c.observe({"endpoint": "busy"})
        time.sleep(0.001)
busy = threading.Thread(target=keep_observing)
busy.start()
c.observe({"endpoint": "marker", "id": "op-marker"})
done = c.flush()
stop.set()
busy.join()
c.shutdown(timeout=0)
show(done=done)
`,
      HANG,
    );

    expect(shown).toEqual([{ done: true }]);
    expect(receiver.ops().some((o) => o.id === 'op-marker')).toBe(true);
  });
});

describe('shutdown(timeout)', () => {
  it('returns within its bound while the service never answers; every unsent op is reported, later ones refused', async () => {
    receiver = await startReceiver(silent);

    const { shown, reports } = await runPython(
      `
import time
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, timeout=300, flush_interval=30, exit_timeout=0.1)
c.observe({"endpoint": "a", "id": "op-a"})
c.observe({"endpoint": "b", "id": "op-b"})
started = time.monotonic()
done = c.shutdown(timeout=0.5)
waited = time.monotonic() - started
late = c.observe({"endpoint": "c", "id": "op-c"})
show(done=done, waited=waited, late=late)
`,
      HANG,
    );

    const { done, waited, late } = shown[0] as { done: boolean; waited: number; late: unknown };
    expect([done, late]).toEqual([false, null]);
    expect(waited).toBeLessThan(BOUND_S);
    expect(reports).toContainEqual({ kind: 'dropped', detail: 'op-c' });
    // Nothing is answered, so every op is reported: dropped from the queue by
    // shutdown(), or at exit if it was in the request still waiting.
    expect(reports.flatMap((r) => r.detail).sort()).toEqual(['op-a', 'op-b', 'op-c']);
  });
});

describe('the exit hook', () => {
  it('lets the interpreter exit after exit_timeout while the service never answers, reporting the unsent ops', async () => {
    receiver = await startReceiver(silent);
    const started = performance.now();

    const { reports } = await runPython(
      `
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, timeout=300, exit_timeout=0.5, flush_interval=30)
for i in range(3):
    c.observe({"endpoint": "tools/%d" % i, "id": "op-%d" % i})
`,
      HANG,
    );

    expect(performance.now() - started).toBeLessThan(BOUND_S * 1000);
    expect(reports).toEqual([{ kind: 'exit', detail: ['op-0', 'op-1', 'op-2'] }]);
  });

  it('lets the interpreter exit after exit_timeout while there is no service, however many retries are left', async () => {
    const started = performance.now();

    const { reports } = await runPython(
      `
c = ObserverClient(${JSON.stringify(NOWHERE)}, on_error=record, max_retries=50, exit_timeout=0.5, flush_interval=30)
for i in range(3):
    c.observe({"endpoint": "tools/%d" % i, "id": "op-%d" % i})
`,
      HANG,
    );

    expect(performance.now() - started).toBeLessThan(BOUND_S * 1000);
    expect(reports).toEqual([{ kind: 'exit', detail: ['op-0', 'op-1', 'op-2'] }]);
  });
});
