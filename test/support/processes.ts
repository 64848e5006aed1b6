// What a test checks after it stops a stack: its processes gone, its ports
// free. A process that was signalled, or whose parent exited, takes its own
// time to go (a busy machine may run it again before it exits): look until
// the state holds, up to a deadline, never once.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { expect } from 'vitest';

/**
 * How long a stopped stack may take to be gone: the emulator has 5 s to stop
 * after SIGINT before it is killed; the rest is room for a busy machine.
 */
export const GONE_WITHIN_MS = 15_000;

/** Whether a process runs; a zombie has exited, only its parent's bookkeeping is left. */
export function alive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Whether something may listen on the loopback port now (nothing holds it). */
export async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

/** The ports of `ports` that something still holds. */
export async function portsInUse(ports: readonly number[]): Promise<number[]> {
  const held: number[] = [];
  for (const port of ports) if (!(await canListen(port))) held.push(port);
  return held;
}

/**
 * Passes once `running` finds no process and none of `ports` is held,
 * looking every 100 ms; fails with what is left after `ms`.
 */
export async function expectGone(
  running: () => number[],
  ports: readonly number[],
  ms = GONE_WITHIN_MS,
): Promise<void> {
  const left = async () => ({ running: running(), held: await portsInUse(ports) });
  await expect.poll(left, { timeout: ms, interval: 100 }).toEqual({ running: [], held: [] });
}
