// When a long-running local process (npm start) should stop: on a signal
// that asks it to, or once the process that started it is gone. A process
// manager signals the process it started, `npm`: npm passes SIGINT and
// SIGTERM on to the script, but not SIGHUP, and nothing can pass SIGKILL on;
// without its parent this process would be re-parented and keep its ports.

/** Ctrl-C, a process manager's stop, a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** How often the parent is looked at: well within the 10 s a stop may take. */
const PARENT_CHECK_MS = 250;

/**
 * Calls `stop` (once) on any of STOP_SIGNALS, or when this process's parent
 * is gone: it was re-parented, so its parent pid changed. Installing it
 * replaces the default of those signals (exit at once, leaving whatever
 * this process started running). Returns a function that stops watching.
 */
export function onStopRequest(stop: (reason: string) => void): () => void {
  let requested = false;
  const request = (reason: string) => {
    if (requested) return;
    requested = true;
    stop(reason);
  };
  const onSignal = (signal: NodeJS.Signals) => request(signal);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const parent = process.ppid;
  // A process started by init (or as init) has no parent to outlive.
  const watch =
    parent > 1
      ? setInterval(() => {
          if (process.ppid !== parent) request(`its parent process ${parent} is gone`);
        }, PARENT_CHECK_MS).unref()
      : undefined;
  return () => {
    clearInterval(watch);
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
  };
}
