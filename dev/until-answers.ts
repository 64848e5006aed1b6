// Waiting for a server that is starting: ask until it answers at all.

/** How long to keep asking, and how. */
export interface AskOptions {
  /** Asked before each try: false stops the waiting. */
  keepTrying: () => boolean;
  /** How long one try may take. */
  attemptMs: number;
  /** The pause after a try that got no answer. */
  pauseMs: number;
}

/** Asks `url` until it answers with any status; resolves whether it did before `keepTrying` said stop. */
export async function untilAnswers(url: string, options: AskOptions): Promise<boolean> {
  while (options.keepTrying()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(options.attemptMs) });
      await res.arrayBuffer();
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
  return false;
}

/** A `keepTrying` that holds for the next `ms` milliseconds. */
export function forMs(ms: number): () => boolean {
  const deadline = Date.now() + ms;
  return () => Date.now() < deadline;
}
