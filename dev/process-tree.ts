// The processes below one process, read from Linux's /proc: what a test
// checks is gone after a stop, and what the bench charges a measurement with.
// A process whose parent exits is re-parented (to init) and leaves the tree;
// it stays in its session, so a stopped stack is looked for by session too.
import { readdirSync, readFileSync } from 'node:fs';

/** One process as /proc shows it now. */
interface ProcessEntry {
  parent: number;
  session: number;
  /** Exited, and not yet reaped by its parent. */
  zombie: boolean;
  /** CPU used so far, user and system, in milliseconds. */
  cpuMs: number;
}

/** Every process now, by pid; empty where there is no /proc. */
function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return table;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in clock ticks (100 per second on Linux).
      const ticks = Number(fields[11]) + Number(fields[12]);
      table.set(Number(entry), {
        parent: Number(fields[1]),
        session: Number(fields[3]),
        zombie: fields[0] === 'Z',
        cpuMs: ticks * 10,
      });
    } catch {
      // gone while listing
    }
  }
  return table;
}

/** Every process descended from `root` (by parent pid), now. */
export function descendants(root: number, table = processTable()): number[] {
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const [child, p] of table) {
      if (p.parent === pid) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The session each of `pids` belongs to now (those still running), without repeats. */
export function sessionsOf(pids: readonly number[], table = processTable()): number[] {
  return [...new Set(pids.flatMap((pid) => table.get(pid)?.session ?? []))];
}

/** Every running process (zombies aside) in one of `sessions`, now. */
export function inSessions(sessions: readonly number[], table = processTable()): number[] {
  return [...table]
    .filter(([, p]) => !p.zombie && sessions.includes(p.session))
    .map(([pid]) => pid);
}

/**
 * CPU milliseconds used so far by `root` and every process below it; 0
 * where there is no /proc.
 */
export function treeCpuMs(root = process.pid): number {
  const table = processTable();
  return [root, ...descendants(root, table)].reduce(
    (total, pid) => total + (table.get(pid)?.cpuMs ?? 0),
    0,
  );
}
