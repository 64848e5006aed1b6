// serverless-offline as `npm start` and the e2e tests run it: the emulator
// on an internal port, its functions warmed before anything is reported
// ready, and the emulator front (emulator-front.ts) on the public port. The
// emulator can be restarted behind the front (new code: its handlers run
// in-process, and a loaded module is never loaded again).
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmulatorFront } from './emulator-front';
import {
  type EmulatorProcess,
  type OutputBuffer,
  outputBuffer,
  spawnEmulator,
} from './emulator-process';
import { freePort } from './free-port';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const READY_TIMEOUT_MS = 120_000;

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
  /**
   * Whether the scheduled functions (snapshot, compact) run on their clock,
   * as deployed (the default, and `npm start` unless OBSERVER_LOCAL_SCHEDULES=off),
   * or only when invoked: for a test that invokes them itself, so that
   * nothing runs between its steps.
   */
  schedules?: boolean;
}

/**
 * The environment of a stack over one bucket of an S3 server: its address,
 * the bucket and the key prefix, with no API key or token unless `more` sets one.
 */
export function bucketEnv(
  s3: { endpoint: string; bucket: string; prefix?: string },
  more: Record<string, string> = {},
): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint,
    OBSERVER_BUCKET: s3.bucket,
    OBSERVER_PREFIX: s3.prefix ?? '',
    OBSERVER_API_TOKEN: '',
    OBSERVER_API_TOKEN_PARAM: '',
    OBSERVER_API_KEYS: '',
    OBSERVER_API_KEYS_PARAM: '',
    ...more,
  };
}

/**
 * Invokes a function of the stack now, through the emulator's Lambda invoke
 * API, with an empty event, as its schedule would (`snapshot`, `compact`).
 */
export function invokeLocal(lambdaUrl: string, fn: string): Promise<Response> {
  return fetch(`${lambdaUrl}/2015-03-31/functions/observer-local-${fn}/invocations`, {
    method: 'POST',
    body: '{}',
  });
}

/** A running stack. */
export interface OfflineStack {
  url: string;
  lambdaUrl: string;
  /** What was collected (the last 200 KB), with `output: 'collect'`. */
  output(): string;
  /** Ends when the emulator exits other than by `restart` or `stop`, with its exit code (or signal). */
  exited: Promise<number | string>;
  /**
   * Replaces the emulator with a new one on the same ports, loading the
   * functions afresh; requests wait in the front meanwhile. Rejects (and the
   * front answers 502) if the new one does not start; a later restart may.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the emulator, warms its functions, then opens the front; resolves once it serves. */
export async function startOfflineStack(options: OfflineOptions): Promise<OfflineStack> {
  const internalPort = await freePort();
  const httpPort = options.httpPort || (await freePort());
  const lambdaPort = options.lambdaPort || (await freePort());
  const host = options.host ?? '127.0.0.1';
  const buildDir = options.ownBuild ? `.esbuild/stack-${internalPort}` : undefined;
  const output = outputBuffer();
  const note = (line: string) =>
    options.output === 'inherit' ? console.error(line) : output.add(`${line}\n`);
  const launch = () => launchEmulator(options, { internalPort, lambdaPort, buildDir }, output);

  let emulator = launch();
  let upstream: Promise<void> = emulator.then(() => undefined);
  // The emulator serving now: an exit of any other (one being replaced or stopped) is expected.
  let current: EmulatorProcess | undefined;
  let endStack: (code: number | string) => void = () => {};
  const exited = new Promise<number | string>((done) => {
    endStack = done;
  });
  const serve = (e: EmulatorProcess) => {
    current = e;
    void e.exited.then((code) => {
      if (current === e) endStack(code);
    });
  };
  let front: Server | undefined;
  let stopped = false;
  const stop = async () => {
    stopped = true;
    current = undefined;
    front?.close();
    front?.closeAllConnections();
    await (await emulator.catch(() => undefined))?.stop();
    if (buildDir) rmSync(join(SERVICE_DIR, buildDir), { recursive: true, force: true });
    endStack('stopped');
  };
  try {
    serve(await emulator);
    front = createEmulatorFront({
      upstreamPort: internalPort,
      maxInFlight: MAX_IN_FLIGHT,
      upstreamReady: () => upstream.catch(() => undefined),
      onFailure: (f) =>
        note(`emulator failure on ${f.method} ${f.path}: ${f.detail}; answered ${f.status}`),
    });
    front.listen(httpPort, host);
    await once(front, 'listening');
  } catch (err: unknown) {
    await stop();
    throw err;
  }
  const restart = async () => {
    current = undefined;
    const launching = emulator
      .catch(() => undefined)
      .then(async (running) => {
        await running?.stop();
        return launch();
      });
    emulator = launching;
    upstream = launching.then(() => undefined);
    const next = await launching;
    // A later restart or a stop, begun meanwhile, owns what runs now.
    if (emulator === launching && !stopped) serve(next);
  };
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
    lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
    output: output.text,
    exited,
    restart,
    stop,
  };
}

/** Spawns an emulator on the stack's ports and resolves once it serves with its functions warm. */
async function launchEmulator(
  options: OfflineOptions,
  ports: { internalPort: number; lambdaPort: number; buildDir: string | undefined },
  output: OutputBuffer,
): Promise<EmulatorProcess> {
  const { internalPort, lambdaPort, buildDir } = ports;
  const args = [
    '--stage',
    'local',
    '--noSponsor',
    '--httpPort',
    String(internalPort),
    '--lambdaPort',
    String(lambdaPort),
    ...EMULATOR_ARGS,
    ...(options.args ?? []),
  ];
  const env = {
    // The emulator's own line per request repeats the function's request log: warnings and errors only.
    SLS_LOG_LEVEL: 'warning',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...process.env,
    ...options.env,
    ...(buildDir ? { OBSERVER_BUILD_DIR: buildDir } : {}),
    ...(options.schedules === false ? { OBSERVER_LOCAL_SCHEDULES: 'off' } : {}),
  } as Record<string, string>;
  const emulator = spawnEmulator(args, env, options.output === 'inherit' ? 'inherit' : output);
  try {
    // The invoke port listens apart from the HTTP port: wait for both.
    await emulator.ready(
      [`http://127.0.0.1:${internalPort}/observer/health`, `http://127.0.0.1:${lambdaPort}/`],
      READY_TIMEOUT_MS,
    );
    await warm(`http://127.0.0.1:${internalPort}`);
  } catch (err: unknown) {
    await emulator.stop();
    throw err;
  }
  return emulator;
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
