// serverless-offline as `npm start` and the e2e tests run it: the emulator
// on an internal port, its functions warmed before anything is reported
// ready, and the emulator front (emulator-front.ts) on the public port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulatorFront } from './emulator-front';
import { freePort } from './free-port';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const SLS = fileURLToPath(new URL('../node_modules/.bin/serverless', import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

/**
 * Forwarded at once to the emulator; more wait in the front. Each request
 * in flight needs a function instance; more than this makes the emulator
 * start instances that then compete for the CPU.
 */
export const MAX_IN_FLIGHT = 16;

/**
 * How the emulator runs handlers. In-process: one module instance per
 * function, loaded once (a burst does not start a cold worker per request).
 */
export const EMULATOR_ARGS = ['--useInProcess'];

/** How to start the stack. */
export interface OfflineOptions {
  /** Environment for the emulator (the functions see serverless.yml's environment, built from it). */
  env: Record<string, string>;
  /** The public port (0: a free one) and address. */
  httpPort?: number;
  host?: string;
  /** The emulator's Lambda invoke port (0: a free one). */
  lambdaPort?: number;
  /** More arguments for `serverless offline start`. */
  args?: string[];
  /**
   * Its own folder for the bundles (under .esbuild/, removed when it stops),
   * for a stack that may run beside another; else the shared .esbuild/.
   */
  ownBuild?: boolean;
  /**
   * The emulator's output (the functions' logs): shown on this process's
   * stdout and stderr, or collected for `output()`.
   */
  output: 'inherit' | 'collect';
}

/** A running stack. */
export interface OfflineStack {
  url: string;
  lambdaUrl: string;
  /** What was collected (the last 200 KB), with `output: 'collect'`. */
  output(): string;
  /** Ends when the emulator exits, with its exit code (or signal). */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Starts the emulator, warms its functions, then opens the front; resolves once it serves. */
export async function startOfflineStack(options: OfflineOptions): Promise<OfflineStack> {
  const internalPort = await freePort();
  const httpPort = options.httpPort || (await freePort());
  const lambdaPort = options.lambdaPort || (await freePort());
  const host = options.host ?? '127.0.0.1';
  const buildDir = options.ownBuild ? `.esbuild/stack-${internalPort}` : undefined;
  const child = spawnEmulator(options, internalPort, lambdaPort, buildDir);
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  // Never outlive this process, whatever happens to it.
  const killGroup = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);
  void exited.then(() => process.off('exit', killGroup));
  let polling = true;
  void exited.then(() => {
    polling = false;
  });
  const output = collect(child);
  const note = (line: string) =>
    options.output === 'inherit' ? console.error(line) : output.add(`${line}\n`);
  let front: Server | undefined;
  const stop = async () => {
    front?.close();
    front?.closeAllConnections();
    await stopGroup(child, exited);
    if (buildDir) rmSync(join(SERVICE_DIR, buildDir), { recursive: true, force: true });
  };
  try {
    await Promise.race([
      // The invoke port listens apart from the HTTP port: wait for both.
      Promise.all([
        answers(`http://127.0.0.1:${internalPort}/observer/health`, () => polling),
        answers(`http://127.0.0.1:${lambdaPort}/`, () => polling),
      ]),
      exited.then((code) => Promise.reject(new Error(`serverless offline exited (${code})`))),
      timeout(READY_TIMEOUT_MS, 'serverless offline did not start'),
    ]).finally(() => {
      polling = false;
    });
    await warm(`http://127.0.0.1:${internalPort}`);
    front = createEmulatorFront({
      upstreamPort: internalPort,
      maxInFlight: MAX_IN_FLIGHT,
      onFailure: (f) =>
        note(`emulator failure on ${f.method} ${f.path}: ${f.detail}; answered ${f.status}`),
    });
    front.listen(httpPort, host);
    await once(front, 'listening');
  } catch (err: unknown) {
    await stop();
    throw err;
  }
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
    lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
    output: output.text,
    exited,
    stop,
  };
}

/** `serverless offline start` on the internal port, in a process group of its own. */
function spawnEmulator(
  options: OfflineOptions,
  internalPort: number,
  lambdaPort: number,
  buildDir: string | undefined,
): ChildProcess {
  return spawn(
    SLS,
    [
      'offline',
      'start',
      '--stage',
      'local',
      '--noSponsor',
      '--httpPort',
      String(internalPort),
      '--lambdaPort',
      String(lambdaPort),
      ...EMULATOR_ARGS,
      ...(options.args ?? []),
    ],
    {
      cwd: SERVICE_DIR,
      // The emulator's own line per request repeats the function's request log: warnings and errors only.
      env: {
        SLS_LOG_LEVEL: 'warning',
        ...process.env,
        ...options.env,
        ...(buildDir ? { OBSERVER_BUILD_DIR: buildDir } : {}),
      },
      stdio: [
        'ignore',
        options.output === 'inherit' ? 'inherit' : 'pipe',
        options.output === 'inherit' ? 'inherit' : 'pipe',
      ],
      // Its own process group: stopping it stops its esbuild service too.
      detached: true,
    },
  );
}

/** The last 200 KB a child wrote to its stdout and stderr (when they are pipes). */
function collect(child: ChildProcess): { add(text: string): void; text(): string } {
  let chunks: string[] = [];
  let size = 0;
  const add = (text: string) => {
    chunks.push(text);
    size += text.length;
    if (size > 400_000) {
      const kept = chunks.join('').slice(-200_000);
      chunks = [kept];
      size = kept.length;
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', add);
  }
  return { add, text: () => chunks.join('').slice(-200_000) };
}

/** Resolves once the URL answers at all (the emulator serves), while `alive` holds. */
async function answers(url: string, alive: () => boolean): Promise<void> {
  while (alive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * One request per HTTP function (health answered already) that loads it without writing anything (an
 * invalid op is refused before storage), so the first clients do not wait
 * for a cold start. Stats and history are left cold: their first call
 * rebuilds the ring from S3.
 */
async function warm(base: string): Promise<void> {
  const requests: [string, RequestInit][] = [
    ['/observer/event', { method: 'POST', body: '{}' }],
    ['/observer/events', { method: 'POST', body: '{}' }],
    ['/observer/not-a-route', {}],
  ];
  await Promise.all(
    requests.map(async ([path, init]) => {
      try {
        const res = await fetch(base + path, { ...init, signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
      } catch {
        // A function that cannot warm fails its first request the same way; the front answers 5xx.
      }
    }),
  );
}

/** SIGINT to the emulator's whole process group, SIGKILL after a grace period. */
async function stopGroup(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    signalGroup(child, 'SIGINT');
    const kill = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(kill);
  }
  // Whatever it started and left behind in its group.
  signalGroup(child, 'SIGKILL');
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, fail) => setTimeout(() => fail(new Error(message)), ms).unref());
}
