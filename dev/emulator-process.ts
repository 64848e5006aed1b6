// One serverless-offline process: `serverless offline start` in a process
// group of its own (so stopping it stops the esbuild service it starts),
// with serverless-offline patched where it differs from API Gateway
// (offline-patches/), ready once the URLs it should serve answer, and
// stopped with its group.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { untilAnswers } from './until-answers';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const SLS = fileURLToPath(new URL('../node_modules/.bin/serverless', import.meta.url));
const STOP_GRACE_MS = 5_000;
/** Loaded before serverless-offline (a URL: NODE_OPTIONS splits a path at its spaces). */
const PATCHES = new URL('./offline-patches/register.mjs', import.meta.url).href;

/** A running `serverless offline start`. */
export interface EmulatorProcess {
  /** Ends when the process exits, with its exit code (or signal). */
  exited: Promise<number | string>;
  /** Resolves once every URL answers at all; rejects if the process exits or `ms` pass first. */
  ready(urls: readonly string[], ms: number): Promise<void>;
  /** SIGINT to the whole group, SIGKILL after a grace period; resolves once it is gone. */
  stop(): Promise<void>;
}

/** The last 200 KB of what the emulators of one stack wrote, across restarts. */
export interface OutputBuffer {
  add(text: string): void;
  text(): string;
}

export function outputBuffer(): OutputBuffer {
  let chunks: string[] = [];
  let size = 0;
  return {
    add(text) {
      chunks.push(text);
      size += text.length;
      if (size > 400_000) {
        const kept = chunks.join('').slice(-200_000);
        chunks = [kept];
        size = kept.length;
      }
    },
    text: () => chunks.join('').slice(-200_000),
  };
}

/**
 * Starts `serverless offline start` with `args`. Its output goes to this
 * process's stdout and stderr (`inherit`) or into `collect`.
 */
export function spawnEmulator(
  args: readonly string[],
  env: Record<string, string>,
  collect: OutputBuffer | 'inherit',
): EmulatorProcess {
  const stdio = collect === 'inherit' ? 'inherit' : 'pipe';
  const nodeOptions = env.NODE_OPTIONS ?? process.env.NODE_OPTIONS;
  const child = spawn(SLS, ['offline', 'start', ...args], {
    cwd: SERVICE_DIR,
    env: {
      ...process.env,
      ...env,
      NODE_OPTIONS: [nodeOptions, `--import=${PATCHES}`].filter(Boolean).join(' '),
    },
    stdio: ['ignore', stdio, stdio],
    detached: true,
  });
  if (collect !== 'inherit') {
    for (const stream of [child.stdout, child.stderr]) {
      stream?.setEncoding('utf8');
      stream?.on('data', collect.add);
    }
  }
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  // Never outlive this process, whatever happens to it.
  const killGroup = () => signalGroup(child, 'SIGKILL');
  process.once('exit', killGroup);
  void exited.then(() => process.off('exit', killGroup));
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  return {
    exited,
    ready: (urls, ms) => {
      let waiting = true;
      const isWaiting = () => waiting && alive;
      return Promise.race([
        Promise.all(
          urls.map((url) =>
            untilAnswers(url, { keepTrying: isWaiting, attemptMs: 30_000, pauseMs: 200 }),
          ),
        ).then(() => undefined),
        exited.then((code) => Promise.reject(new Error(`serverless offline exited (${code})`))),
        timeout(ms, 'serverless offline did not start'),
      ]).finally(() => {
        waiting = false;
      });
    },
    stop: () => stopGroup(child, exited),
  };
}

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
