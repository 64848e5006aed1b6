import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/free-port';

export { freePort };

const SLS = resolve('node_modules/.bin/serverless');
const run = promisify(execFile);

/** serverless-offline running the service on free ports. */
export interface Offline {
  url: string;
  lambdaUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `serverless offline` (stage local) with the given environment; resolves when it serves. */
export async function startOffline(env: Record<string, string>): Promise<Offline> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    SLS,
    [
      'offline',
      'start',
      '--stage',
      'local',
      '--noSponsor',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  // Never outlive the test process, whatever happens to it.
  const killGroup = () => {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killGroup);
  let out = '';
  await new Promise<void>((ready, fail) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Server ready')) ready();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`serverless offline exited (${code}):\n${out}`)));
  });
  return {
    url: `http://127.0.0.1:${httpPort}`,
    lambdaUrl: `http://127.0.0.1:${lambdaPort}`,
    output: () => out,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.pid === undefined) return done();
        child.once('exit', () => done());
        process.kill(-child.pid, 'SIGINT');
      }),
  };
}

/** `serverless invoke local` of one function with an event; the function's result, parsed. */
export async function invokeLocal(
  fn: string,
  event: unknown,
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  const { stdout } = await run(
    SLS,
    ['invoke', 'local', '--stage', 'local', '-f', fn, '--data', JSON.stringify(event)],
    { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 60_000 },
  );
  // The result is the last top-level JSON object printed (log lines come before it).
  const start = stdout.lastIndexOf('\n{\n');
  return JSON.parse(stdout.slice(start >= 0 ? start : stdout.indexOf('{'))) as Record<
    string,
    unknown
  >;
}

/** `serverless package` into .serverless/. */
export async function packageService(env: Record<string, string> = {}): Promise<void> {
  await run(SLS, ['package'], {
    timeout: 120_000,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...env },
  });
}
