import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from '../../support/receiver';

// The package as others use it: built by its own script, imported by plain
// Node (no TypeScript loader) and bundled for a browser.

const run = promisify(execFile);
const CLIENT = resolve('client');
const BUILT = pathToFileURL(resolve(CLIENT, 'dist/index.js')).href;

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

/** Runs an ES module script in a plain Node process; its stdout. */
async function node(script: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 300_000,
  });
  return stdout;
}

const program = (url: string, end: string) => `
  import { createObserverClient } from ${JSON.stringify(BUILT)};
  const client = createObserverClient({
    url: ${JSON.stringify(url)},
    flushInterval: 60000,
    onError: (err, context) => console.log(JSON.stringify({ kind: context.kind, ids: context.ids })),
  });
  for (let i = 0; i < 3; i++) client.observe({ endpoint: 'tools/' + i });
  ${end}
`;

describe('the client package', () => {
  beforeAll(async () => {
    await run(process.execPath, ['build.mjs'], { cwd: CLIENT, timeout: 300_000 });
  });

  it('exports the build it writes, with types', () => {
    const pkg = JSON.parse(readFileSync(resolve(CLIENT, 'package.json'), 'utf-8'));
    const entry = pkg.exports['.'];

    expect(pkg).toMatchObject({ name: '@observer/client', type: 'module' });
    expect(readFileSync(resolve(CLIENT, entry.import), 'utf-8')).toMatch(/createObserverClient/);
    expect(readFileSync(resolve(CLIENT, entry.types), 'utf-8')).toMatch(/from '\.\/client\.js'/);
  });

  it('bundles for a browser without any Node built-in', async () => {
    const out = await build({
      entryPoints: [resolve(CLIENT, 'src/index.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
    });
    const text = out.outputFiles[0]?.text ?? '';

    expect(text).toMatch(/observer\/events/);
    expect(text).not.toMatch(/from\s*["']node:|require\(/);
  });

  it('sends queued ops when a Node process ends without calling flush()', async () => {
    receiver = await startReceiver();

    const out = await node(program(receiver.url, '// and nothing else'));

    expect(receiver.ops().map((o) => o.endpoint)).toEqual(['tools/0', 'tools/1', 'tools/2']);
    expect(out).toBe('');
  });

  it('reports the ops still queued when the process calls process.exit()', async () => {
    receiver = await startReceiver();

    const out = await node(program(receiver.url, 'process.exit(0);'));

    const reported = JSON.parse(out.trim()) as { kind: string; ids: string[] };
    expect(receiver.requests).toHaveLength(0);
    expect(reported.kind).toBe('exit');
    expect(reported.ids).toHaveLength(3);
  });
});
