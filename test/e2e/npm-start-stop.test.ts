import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchStack, type StartedStack, startStack } from '../../dev/npm-start';
import { descendants, inSessions, sessionsOf } from '../../dev/process-tree';
import { alive, expectGone, portsInUse } from '../support/processes';

// The real `npm start`, in a session of its own as a process manager or a
// terminal runs it, stopped the ways they stop it: every process it started
// is gone and every port it listened on is free, whichever process got the
// signal.

const dataParent = mkdtempSync(join(tmpdir(), 'observer-npm-stop-'));
const buildDir = `.esbuild/npm-stop-${process.pid}`;
afterAll(() => {
  rmSync(dataParent, { recursive: true, force: true });
  rmSync(buildDir, { recursive: true, force: true });
});

let runs = 0;
/** Its own data folder each time; its own bundles, apart from every other stack's .esbuild/. */
const env = () => ({
  OBSERVER_DATA_DIR: join(dataParent, `s3-${runs++}`),
  OBSERVER_API_TOKEN: '',
  OBSERVER_BUILD_DIR: buildDir,
});

/** npm and everything it started, by session: a process whose parent exited is still found. */
function everything(stack: StartedStack): () => number[] {
  const npm = stack.child.pid as number;
  const sessions = sessionsOf([npm, ...descendants(npm)]);
  return () => inSessions(sessions);
}

const portsOf = (stack: StartedStack) =>
  [stack.url, stack.lambdaUrl, stack.s3Endpoint].map((u) => Number(new URL(u).port));

/** Sends `signal` to npm alone or to its whole process group, as a terminal does. */
function signal(stack: StartedStack, to: 'npm' | 'group', name: NodeJS.Signals): void {
  const npm = stack.child.pid as number;
  process.kill(to === 'npm' ? npm : -npm, name);
}

/** After a failed check: what is left of this stack is ended here, not left running. */
/** `npm start` run through npm, once its servers, esbuild and the S3 server are up and hold their ports. */
async function startedThroughNpm() {
  const stack = await startStack(env(), [], { npm: true });
  const running = everything(stack);
  const ports = portsOf(stack);
  try {
    expect(running().length).toBeGreaterThan(2);
    expect(await portsInUse(ports)).toEqual(ports);
  } catch (err) {
    await cleanUp(stack, running);
    throw err;
  }
  return { stack, running, ports };
}

async function cleanUp(stack: StartedStack, running: () => number[]): Promise<void> {
  for (const pid of running()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await stack.stop('SIGKILL');
}

describe('npm start, stopped through npm', () => {
  it('stops everything on SIGTERM to npm, what a process manager sends, before npm exits', async () => {
    const { stack, running, ports } = await startedThroughNpm();
    try {
      signal(stack, 'npm', 'SIGTERM');
      const code = await stack.exited;

      // npm exits after its script, and the script after its servers: a manager that starts the
      // service again at once finds its ports free. A process may still be on its way out.
      expect({ code, held: await portsInUse(ports) }).toEqual({ code: 0, held: [] });
      await expectGone(running, ports);
    } finally {
      await cleanUp(stack, running);
    }
  });

  it.each([
    ['SIGKILL to npm: a process manager that gave up waiting', 'npm', 'SIGKILL'],
    ['SIGHUP to its process group: the terminal it ran in was closed', 'group', 'SIGHUP'],
  ] as const)('stops everything on %s', async (_label, to, name) => {
    const { stack, running, ports } = await startedThroughNpm();
    try {
      signal(stack, to, name);

      await expectGone(running, ports);
    } finally {
      await cleanUp(stack, running);
    }
  });
});

describe('npm start, stopped while it starts', () => {
  it.each([
    ['Ctrl-C (SIGINT to its process group)', 'group', 'SIGINT'],
    ['SIGTERM to npm', 'npm', 'SIGTERM'],
  ] as const)('stops everything on %s before it is ready', async (_label, to, name) => {
    const { stack, ready } = await launchStack(env(), [], { npm: true });
    const npm = stack.child.pid as number;
    const ports = portsOf(stack);
    // The emulator is being launched: it builds and loads the functions for seconds.
    await expect
      .poll(() => descendants(npm).some((pid) => commandOf(pid).includes('offline start')), {
        timeout: 120_000,
        interval: 50,
      })
      .toBe(true);
    const running = everything(stack);
    try {
      signal(stack, to, name);

      await expectGone(running, ports);
      // It never served: the signal came while it started.
      expect(await ready).toBe(false);
    } finally {
      await cleanUp(stack, running);
    }
  });
});

describe('the start script killed outright', () => {
  it('leaves nothing running: the emulator stops once the start script is gone', async () => {
    // The start script itself, not npm: SIGKILL leaves it no time to stop what it started.
    const stack = await startStack(env());
    const pids = descendants(stack.child.pid as number);
    const running = () => pids.filter(alive);
    const ports = portsOf(stack);
    try {
      expect(await portsInUse(ports)).toEqual(ports);

      await stack.stop('SIGKILL');

      await expectGone(running, ports);
    } finally {
      await cleanUp(stack, running);
    }
  });
});

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
