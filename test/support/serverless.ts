import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/free-port';
import { type OfflineStack, startOfflineStack } from '../../dev/offline-stack';

export { freePort };

const SLS = resolve('node_modules/.bin/serverless');
const run = promisify(execFile);

/** serverless-offline running the service on free ports, behind its front, as `npm start` runs it. */
export type Offline = OfflineStack;

/**
 * Starts the stack (stage local) with the given environment; resolves when it
 * serves. `ownBuild` for a stack in a file other than serverless.test.ts,
 * whose stacks and invokes share .esbuild/ and so run one at a time. The
 * scheduled functions run only when a test invokes them: a snapshot or a
 * compaction on the clock would change what a test reads between its steps.
 */
export function startOffline(
  env: Record<string, string>,
  options: { ownBuild?: boolean } = {},
): Promise<Offline> {
  return startOfflineStack({ env, output: 'collect', schedules: false, ...options });
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
    timeout: 300_000,
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', ...env },
  });
}
