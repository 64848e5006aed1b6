import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import { countRequests } from '../../dev/s3-tools';
import type { HttpEvent, HttpResult } from '../../lib/http/response';
import { getStats } from './events';

type Handler = (event: HttpEvent, context?: Context) => Promise<HttpResult>;

/** One Lambda container: fresh module state, its own S3 client, its request counts. */
export interface Container {
  event: Handler;
  events: Handler;
  stats: Handler;
  history: Handler;
  ops: Handler;
  failures: Handler;
  review: Handler;
  health: Handler;
  issues: Handler;
  issue: Handler;
  issueStatus: Handler;
  issueMerge: Handler;
  /** The scheduled snapshot function. */
  snapshot: typeof import('../../handlers/snapshot').handler;
  runtime: typeof import('../../lib/app/runtime');
  requests: Record<string, number>;
}

/**
 * Starts a new container as Lambda would: the environment is read again and
 * every module (ring, client, memoized rebuild) starts empty.
 */
export async function freshContainer(env: Record<string, string | undefined>): Promise<Container> {
  vi.resetModules();
  const saved = { ...process.env };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const runtime = await import('../../lib/app/runtime');
    const requests = countRequests(runtime.s3());
    const [issues, issue, issueStatus, issueMerge] = await Promise.all([
      import('../../handlers/issues'),
      import('../../handlers/issue'),
      import('../../handlers/issue-status'),
      import('../../handlers/issue-merge'),
    ]);
    const [event, events, stats, history, ops, failures, review, health, snapshot] =
      await Promise.all([
        import('../../handlers/event'),
        import('../../handlers/events'),
        import('../../handlers/stats'),
        import('../../handlers/history'),
        import('../../handlers/ops'),
        import('../../handlers/failures'),
        import('../../handlers/review'),
        import('../../handlers/health'),
        import('../../handlers/snapshot'),
      ]);
    return {
      event: event.handler,
      events: events.handler,
      stats: stats.handler,
      history: history.handler,
      ops: ops.handler,
      failures: failures.handler,
      review: review.handler,
      health: health.handler,
      issues: issues.handler,
      issue: issue.handler,
      issueStatus: issueStatus.handler,
      issueMerge: issueMerge.handler,
      snapshot: snapshot.handler,
      runtime,
      requests,
    };
  } finally {
    // The container has read its configuration; the next one starts from the file's defaults.
    process.env = saved;
  }
}

/** Two containers started with the same environment, each with its ring loaded by a stats call. */
export async function warmPair(
  env: Record<string, string | undefined>,
): Promise<[Container, Container]> {
  const a = await freshContainer(env);
  const b = await freshContainer(env);
  await a.stats(getStats());
  await b.stats(getStats());
  return [a, b];
}

/** Resets the counts in place (the middleware keeps the same object). */
export function clearCounts(counts: Record<string, number>): void {
  for (const k of Object.keys(counts)) delete counts[k];
}
