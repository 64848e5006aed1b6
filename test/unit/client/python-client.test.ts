import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PYTHON_CLIENT, runPython } from '../../support/python-client';
import { acceptAll, answers, type Receiver, startReceiver } from '../../support/receiver';

// The Python client, clients/python/observer_client.py, imported from its
// file and run with python3 (standard library only) against a scripted local
// receiver; and docs/client.md's Python section tied to that file.

const DOC = readFileSync('docs/client.md', 'utf-8');
const PYTHON_SECTION = DOC.slice(DOC.indexOf('\n## Python'));

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** The first two cells of each body row of the section's table whose header starts with `first`. */
function tableRows(first: string): [string, string][] {
  const lines = PYTHON_SECTION.split('\n');
  const header = lines.findIndex((l) => l.startsWith(`| ${first}`));
  const end = lines.findIndex((l, i) => i > header && !l.startsWith('|'));
  return lines.slice(header + 2, end).map((row) => {
    const [a = '', b = ''] = row
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    return [a, b];
  });
}

/** The parameter table: name → the default cell's code (or its text). */
const documentedParameters = () =>
  Object.fromEntries(
    tableRows('parameter').map(([name, byDefault]) => [
      name.replaceAll('`', ''),
      /^`([^`]*)`/.exec(byDefault)?.[1] ?? byDefault,
    ]),
  );

describe('the Python client', () => {
  it('batches, retries a 503 (honouring Retry-After) and a dropped connection with the same ids', async () => {
    receiver = await startReceiver(
      answers([{ status: 503, headers: { 'retry-after': '0' } }, { drop: true }]),
    );

    const { shown } = await runPython(`
c = ObserverClient(${JSON.stringify(receiver.url)}, flush_at=50, flush_interval=30, base=0.01)
ids = [c.observe({"endpoint": "tools/%d" % i, "success": True}) for i in range(120)]
c.flush()
show(ids=ids, sent=c.sent, dropped=c.dropped)
`);

    const result = shown[0] as { ids: string[]; sent: number; dropped: number };
    const idsOf = (n: number) => receiver?.requests[n]?.ops.map((o) => o.id);
    expect(result).toMatchObject({ sent: 120, dropped: 0 });
    expect(new Set(result.ids).size).toBe(120);
    expect(idsOf(1)).toEqual(idsOf(0));
    expect(idsOf(2)).toEqual(idsOf(0));
    const delivered = receiver.requests.slice(2).flatMap((r) => r.ops.map((o) => o.id));
    expect(new Set(delivered)).toEqual(new Set(result.ids));
    expect(receiver.requests.every((r) => r.ops.length <= 500)).toBe(true);
  });

  it('keeps each request within 1,000,000 bytes, so no batch is refused whole for its size', async () => {
    // As the service does: a body over 1 MiB is a 413, every op in it refused.
    receiver = await startReceiver((req, n) =>
      req.bytes > 1_048_576 ? { status: 413, body: { error: 'too large' } } : acceptAll(req, n),
    );

    const { shown, reports } = await runPython(`
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record, flush_at=1000, flush_interval=30)
ids = [c.observe({"endpoint": "tools/%d" % i, "input_summary": "x" * 4000}) for i in range(300)]
c.flush()
show(ids=ids)
`);

    expect(reports).toEqual([]);
    expect(receiver.requests.length).toBeGreaterThan(1);
    expect(receiver.requests.every((r) => r.bytes <= 1_000_000)).toBe(true);
    expect(receiver.ops().map((o) => o.id)).toEqual((shown[0] as { ids: string[] }).ids);
  });

  it('drops a batch the service refuses with a 4xx, and reports it', async () => {
    receiver = await startReceiver(answers([{ status: 401, body: { error: 'no token' } }]));

    const { reports } = await runPython(`
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=record)
c.observe({"endpoint": "x"})
c.flush()
`);

    expect(reports.map((r) => r.kind)).toEqual(['refused']);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends what is queued when the interpreter exits without flush()', async () => {
    receiver = await startReceiver();

    await runPython(`
c = ObserverClient(${JSON.stringify(receiver.url)}, flush_interval=30)
for i in range(3):
    c.observe({"endpoint": "tools/%d" % i})
`);

    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['tools/0', 'tools/1', 'tools/2']);
  });
});

describe("docs/client.md's Python section", () => {
  it('links to the file and shows no client code of its own', () => {
    expect(PYTHON_SECTION).toContain('](../clients/python/observer_client.py)');
    expect(PYTHON_SECTION).toMatch(/from observer_client import ObserverClient/);
    expect(PYTHON_SECTION).not.toMatch(/class ObserverClient/);
  });

  it("runs its example against the file, and the example's ops arrive", async () => {
    const example = /```python\n([\s\S]*?)```/.exec(PYTHON_SECTION)?.[1] ?? '';
    receiver = await startReceiver();

    await runPython(example.replaceAll('http://localhost:3000', receiver.url));

    expect(receiver.ops().map((o) => o.endpoint)).toEqual([
      'tools/call/step-0',
      'tools/call/step-1',
      'tools/call/step-2',
    ]);
  });

  it('lists every kind of report the client makes, and no other', () => {
    const made = [...readFileSync(PYTHON_CLIENT, 'utf-8').matchAll(/_report\("([a-z-]+)"/g)];

    const documented = tableRows('`kind`').map(([kind]) => kind.replaceAll('`', ''));

    expect(made.length).toBeGreaterThan(0);
    expect(new Set(documented)).toEqual(new Set(made.map((m) => m[1])));
  });

  it('lists every parameter of ObserverClient with its default, and no other', async () => {
    const { shown } = await runPython(`
import inspect
show(**{name: "required" if p.default is p.empty else repr(p.default)
        for name, p in inspect.signature(ObserverClient).parameters.items()})
`);

    expect(documentedParameters()).toEqual(shown[0]);
  });
});
