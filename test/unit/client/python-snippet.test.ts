import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { answers, type Receiver, startReceiver } from '../../support/receiver';

// The Python client in docs/client.md, run as written (python3, standard
// library only) against a scripted local receiver.

const run = promisify(execFile);
const SNIPPET = /```python\n([\s\S]*?)```/.exec(readFileSync('docs/client.md', 'utf-8'))?.[1] ?? '';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Runs the snippet's class with a driver instead of its `__main__` block; its stdout. */
async function python(driver: string): Promise<string> {
  const program = `${SNIPPET.split('if __name__ == "__main__":')[0]}\n${driver}`;
  const { stdout } = await run('python3', ['-c', program], { timeout: 300_000 });
  return stdout;
}

describe('the Python client in docs/client.md', () => {
  it('is in the document', () => {
    expect(SNIPPET).toMatch(/class ObserverClient/);
    expect(SNIPPET).not.toMatch(/^\s*(import|from)\s+(requests|httpx|aiohttp)\b/m);
  });

  it('batches, retries a 503 (honouring Retry-After) and a dropped connection with the same ids', async () => {
    receiver = await startReceiver(
      answers([{ status: 503, headers: { 'retry-after': '0' } }, { drop: true }]),
    );

    const out = await python(`
c = ObserverClient(${JSON.stringify(receiver.url)}, flush_at=50, flush_interval=30, base=0.01)
ids = [c.observe({"endpoint": "tools/%d" % i, "success": True}) for i in range(120)]
c.flush()
print(json.dumps({"ids": ids, "sent": c.sent, "dropped": c.dropped}))
`);

    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as {
      ids: string[];
      sent: number;
      dropped: number;
    };
    const idsOf = (n: number) => receiver?.requests[n]?.ops.map((o) => o.id);
    expect(result).toMatchObject({ sent: 120, dropped: 0 });
    expect(new Set(result.ids).size).toBe(120);
    expect(idsOf(1)).toEqual(idsOf(0));
    expect(idsOf(2)).toEqual(idsOf(0));
    const delivered = receiver.requests.slice(2).flatMap((r) => r.ops.map((o) => o.id));
    expect(new Set(delivered)).toEqual(new Set(result.ids));
    expect(receiver.requests.every((r) => r.ops.length <= 500)).toBe(true);
  });

  it('drops a batch the service refuses with a 4xx, and reports it', async () => {
    receiver = await startReceiver(answers([{ status: 401, body: { error: 'no token' } }]));

    const out = await python(`
c = ObserverClient(${JSON.stringify(receiver.url)}, on_error=lambda kind, detail: print(kind))
c.observe({"endpoint": "x"})
c.flush()
`);

    expect(out.trim()).toBe('refused');
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends what is queued when the interpreter exits without flush()', async () => {
    receiver = await startReceiver();

    await python(`
c = ObserverClient(${JSON.stringify(receiver.url)}, flush_interval=30)
for i in range(3):
    c.observe({"endpoint": "tools/%d" % i})
`);

    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['tools/0', 'tools/1', 'tools/2']);
  });
});
