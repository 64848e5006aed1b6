// `npm start` (scripts/start.ts) as a child process on free ports, for the
// tests and the bench that need the whole local stack as a user runs it:
// the start script itself, or the real `npm start` in a session of its own.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port';
import { forMs, untilAnswers } from './until-answers';

const SERVICE_DIR = fileURLToPath(new URL('..', import.meta.url));
const START = fileURLToPath(new URL('../scripts/start.ts', import.meta.url));
const READY_TIMEOUT_MS = 120_000;

/** A running `npm start`. */
export interface StartedStack {
  /** The HTTP API. */
  url: string;
  /** serverless-offline's Lambda invoke port. */
  lambdaUrl: string;
  /** The embedded S3 (when S3_ENDPOINT was not given). */
  s3Endpoint: string;
  /** The start script, or `npm` when it was started through npm. */
  child: ChildProcess;
  output(): string;
  /** Ends when `child` has exited, with its exit code (or signal). */
  exited: Promise<number | string>;
  /** Sends a signal and resolves with the exit code (or signal) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** How to launch it. */
export interface LaunchOptions {
  /**
   * Through the real `npm start`, in a session of its own (as `setsid npm
   * start` or a process manager runs it): `child` is npm, the leader of its
   * process group. Else the start script itself, as npm would run it.
   */
  npm?: boolean;
}

/** Spawns the start script exactly as `npm start` runs it, with the given environment. */
export function spawnStart(
  env: Record<string, string>,
  args: string[] = [],
  stdio: StdioOptions = ['ignore', 'pipe', 'pipe'],
): ChildProcess {
  return spawn(process.execPath, ['--openssl-legacy-provider', '--import', 'tsx', START, ...args], {
    cwd: SERVICE_DIR,
    env: { ...process.env, ...env },
    stdio,
  });
}

/**
 * Starts `npm start` on free ports, over its own embedded S3 unless `env`
 * sets S3_ENDPOINT, and resolves once the API answers.
 */
export async function startStack(
  env: Record<string, string> = {},
  args: string[] = [],
  options: LaunchOptions = {},
): Promise<StartedStack> {
  const { stack, ready } = await launchStack(env, args, options);
  if (!(await ready)) {
    const text = stack.output();
    await stack.stop('SIGKILL');
    throw new Error(`npm start did not come up:\n${text}`);
  }
  return stack;
}

/**
 * Starts `npm start` on free ports; `ready` resolves true once the API
 * answers, false if it exits or takes longer than two minutes first.
 */
export async function launchStack(
  env: Record<string, string> = {},
  args: string[] = [],
  options: LaunchOptions = {},
): Promise<{ stack: StartedStack; ready: Promise<boolean> }> {
  const [httpPort, lambdaPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  // Its output goes to a file, as cheap to write as a terminal and readable after it is gone.
  const logDir = mkdtempSync(join(tmpdir(), 'observer-start-'));
  const logFile = join(logDir, 'output.log');
  const fd = openSync(logFile, 'w');
  // Its own embedded S3 unless `env` names another: not one this process was given.
  const stackEnv = { S3_PORT: String(s3Port), S3_ENDPOINT: '', ...env };
  const stackArgs = ['--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), ...args];
  const stdio: StdioOptions = ['ignore', fd, fd];
  const child = options.npm
    ? spawn('npm', ['start', '--', ...stackArgs], {
        cwd: SERVICE_DIR,
        env: { ...process.env, ...stackEnv },
        stdio,
        detached: true,
      })
    : spawnStart(stackEnv, stackArgs, stdio);
  closeSync(fd);
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    rmSync(logDir, { recursive: true, force: true });
    return code;
  };
  const inTime = forMs(READY_TIMEOUT_MS);
  const running = () => child.exitCode === null && child.signalCode === null;
  const ready = Promise.race([
    untilAnswers(`${url}/observer/health`, {
      keepTrying: () => running() && inTime(),
      attemptMs: 5_000,
      pauseMs: 250,
    }),
    exited.then(() => false),
  ]);
  const stack: StartedStack = {
    url,
    lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
    s3Endpoint: `http://127.0.0.1:${s3Port}`,
    child,
    output: () => readFileSync(logFile, 'utf8').slice(-200_000),
    exited,
    stop,
  };
  return { stack, ready };
}
