/** The little of Node's `process` the exit hook uses; absent in browsers. */
interface ProcessLike {
  on(event: 'beforeExit' | 'exit', listener: () => void): unknown;
  off(event: 'beforeExit' | 'exit', listener: () => void): unknown;
}

/** What the client does when the process is about to end. */
export interface ExitHandlers {
  /** The event loop ran dry: there is still time for async work (a flush). */
  beforeExit: () => void;
  /** The process is exiting: only synchronous work runs (a report of what is lost). */
  exit: () => void;
}

/**
 * Registers the handlers on Node's `process` when there is one; returns the
 * function that removes them (a no-op elsewhere, such as in a browser).
 */
export function onProcessExit(handlers: ExitHandlers): () => void {
  const proc = (globalThis as { process?: Partial<ProcessLike> }).process;
  if (typeof proc?.on !== 'function' || typeof proc.off !== 'function') return () => {};
  const host = proc as ProcessLike;
  host.on('beforeExit', handlers.beforeExit);
  host.on('exit', handlers.exit);
  return () => {
    host.off('beforeExit', handlers.beforeExit);
    host.off('exit', handlers.exit);
  };
}
