import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/free-port';
import { type StartedStack, spawnStart, startStack } from '../../dev/npm-start';
import { descendants } from '../../dev/process-tree';
import { alive, expectGone, portsInUse } from '../support/processes';
import { startOffline } from '../support/serverless';
import { declaredRoutes } from '../support/serverless-yml';

// `npm start` as a user runs it (scripts/start.ts, its own embedded S3).

const dataParent = mkdtempSync(join(tmpdir(), 'observer-npm-start-'));
const buildDir = `.esbuild/npm-start-${process.pid}`;
afterAll(() => {
  rmSync(dataParent, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
});

/** Runs the start script to its end; its exit code and what it printed. */
async function runToExit(env: Record<string, string>) {
  const child = spawnStart(env, ['--httpPort', String(await freePort())]);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out };
}

describe('npm start with a bad configuration value', () => {
  it('exits 1 before anything listens, naming the variable, what it allows and the value', async () => {
    const dataDir = join(dataParent, 'never-created');

    const { code, out } = await runToExit({ OBSERVER_RING_CAP: 'abc', OBSERVER_DATA_DIR: dataDir });

    expect(code).toBe(1);
    expect(out).toContain('OBSERVER_RING_CAP must be a whole number from 1 to 100000 (got "abc")');
    expect(out).not.toContain('ready');
    // The embedded S3 never started: it would have made its data folder.
    expect(() => statSync(dataDir)).toThrow();
  });

  it('does not repeat a secret it refuses', async () => {
    const { code, out } = await runToExit({
      OBSERVER_API_TOKEN: 'short-secret',
      OBSERVER_DATA_DIR: join(dataParent, 'unused'),
    });

    expect(code).toBe(1);
    expect(out).toContain('OBSERVER_API_TOKEN must be at least 16 characters');
    expect(out).not.toContain('short-secret');
  });
});

describe('npm start under a burst, then SIGTERM', () => {
  let stack: StartedStack;

  beforeAll(async () => {
    stack = await startStack({
      OBSERVER_DATA_DIR: join(dataParent, 's3'),
      OBSERVER_API_TOKEN: '',
      // Its own bundles, apart from every other stack's .esbuild/.
      OBSERVER_BUILD_DIR: buildDir,
    });
  });

  afterAll(async () => {
    await stack?.stop('SIGKILL');
  });

  /** Waits for the stack to print `text`, up to two minutes (a rebuild on a busy machine is slow). */
  const outputShows = (text: string) =>
    expect
      .poll(() => stack.output().includes(text), { timeout: 120_000, interval: 100 })
      .toBe(true);

  it('answers a burst of 32 clients right after start with the service’s own answers only', async () => {
    const answers = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const res = await fetch(`${stack.url}/observer/event`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ endpoint: `burst/${i}`, success: true }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      }),
    );

    expect(answers.filter((a) => a.body.errorType !== undefined)).toEqual([]);
    expect(
      answers
        .map((a) => a.status)
        .filter((s) => !(s === 201 || s === 503 || (s >= 400 && s < 500))),
    ).toEqual([]);
  });

  it('restarts the functions when a source changes, holding requests until they serve again', async () => {
    const coldStarts = () => stack.output().match(/"cold_start":true/g)?.length ?? 0;
    const before = coldStarts();
    const now = new Date();

    // A save without edits is a change too: the functions are built and loaded again.
    utimesSync(resolve('handlers/health.ts'), now, now);
    await outputShows('handlers/health.ts changed; restarting');
    const during = await Promise.all(
      Array.from({ length: 8 }, async () => (await fetch(`${stack.url}/observer/health`)).status),
    );
    await outputShows('the functions run the new code');

    expect(during).toEqual(Array(8).fill(200));
    expect((await fetch(`${stack.url}/observer/health`)).status).toBe(200);
    // Loaded afresh: the new emulator's first requests are cold starts.
    expect(coldStarts()).toBeGreaterThan(before);
  });

  it('prints no address but the API’s, the invoke API’s and the S3’s, at start or restart', async () => {
    const real = [stack.url, stack.lambdaUrl, stack.s3Endpoint].map((u) => new URL(u).port);
    await outputShows('observer ready on');

    // Every host:port it printed (the emulator's internal port would bypass the front).
    const printed = [
      ...stack.output().matchAll(/(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[[\d:a-f]*\]):(\d+)/g),
    ].map((m) => m[1]);

    expect(new Set(printed)).toEqual(new Set(real));
  });

  it('runs the scheduled functions on their clock, as deployed', async () => {
    await outputShows('observer ready on');

    // The stacks of the other e2e tests run them only when invoked (OBSERVER_LOCAL_SCHEDULES=off).
    expect(stack.output()).not.toContain('scheduled functions run only when invoked');
  });

  it('lists every route serverless.yml declares when it is ready, and no other', async () => {
    await outputShows('observer ready on');
    const ready = stack.output().slice(stack.output().indexOf('observer ready on')).split('\n');

    const listed = ['POST', 'GET'].flatMap((method) =>
      (ready.find((line) => line.trimStart().startsWith(`${method} `)) ?? '')
        .trim()
        .slice(method.length)
        .split(',')
        .map((path) => `${method} ${path.trim()}`),
    );

    const declared = declaredRoutes(readFileSync('serverless.yml', 'utf-8'));
    expect(listed.sort()).toEqual(declared.filter((r) => r !== '*').sort());
  });

  it('stops serverless-offline, esbuild and the S3 server on SIGTERM, and frees the ports', async () => {
    const pids = descendants(stack.child.pid as number);
    const ports = [stack.url, stack.lambdaUrl, stack.s3Endpoint].map((u) =>
      Number(new URL(u).port),
    );
    expect(pids.length).toBeGreaterThan(0);
    expect(await portsInUse(ports)).toEqual(ports);

    const code = await stack.stop('SIGTERM');

    expect(code).toBe(0);
    // What the start script stopped, or what exits once it has gone, may still be on its way out.
    await expectGone(() => pids.filter(alive), ports);
  });
});

describe('the stack when a function cannot start', () => {
  it('answers 502 with a JSON error, never 200 with the emulator’s error body', async () => {
    // Past npm start's own check: what a function with a bad configuration does at init.
    const stack = await startOffline(
      { OBSERVER_RING_CAP: 'abc', OBSERVER_BUCKET: 'observer-test' },
      { ownBuild: true },
    );
    try {
      const res = await fetch(`${stack.url}/observer/health`);

      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({ error: 'the function failed before it could answer' });
      expect(stack.output()).toContain('OBSERVER_RING_CAP');
    } finally {
      await stack.stop();
    }
  });
});
