import type { ClientStats, ErrorContext, ObserverClient, ObserverClientOptions } from './api';
import {
  DeliveryFailedError,
  InvalidOpError,
  type NetworkError,
  OpsDroppedError,
  RetryableAnswerError,
} from './errors';
import { onProcessExit } from './exit-hook';
import { type Op, prepareOp } from './ops';
import { MAX_BATCH_BYTES, MAX_BATCH_OPS, type Settings, settingsOf } from './options';
import { OpQueue, type QueuedOp } from './queue';
import { retryDelay } from './retry';
import { type SendOutcome, sendBatch } from './send';

/** Creates a client; throws a RangeError for a bad option (never later). */
export function createObserverClient(options: ObserverClientOptions): ObserverClient {
  return new BatchingClient(settingsOf(options));
}

interface FlushWaiter {
  mark: number;
  done: () => void;
}

class BatchingClient implements ObserverClient {
  private readonly queue: OpQueue;
  private readonly inFlight = new Set<QueuedOp[]>();
  private readonly counts: ClientStats = {
    observed: 0,
    invalid: 0,
    queued: 0,
    inFlight: 0,
    sent: 0,
    duplicates: 0,
    rejected: 0,
    failed: 0,
    dropped: 0,
    requests: 0,
    retries: 0,
  };
  /** The number of the newest op observed; ops are numbered from 1. */
  private seq = 0;
  /** Ops numbered up to this are sent whatever `flushAt` says (the interval or a flush asked). */
  private dueThrough = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private waiters: FlushWaiter[] = [];
  private closed = false;
  private readonly removeExitHook: () => void;

  constructor(private readonly s: Settings) {
    this.queue = new OpQueue(s.maxQueue);
    this.removeExitHook = s.flushOnExit
      ? onProcessExit({ beforeExit: () => this.onBeforeExit(), exit: () => this.onExit() })
      : () => {};
  }

  observe(op: Op): string | undefined {
    try {
      return this.enqueue(op);
    } catch (err: unknown) {
      // Nothing above should throw; if it does, the caller's loop still must not see it.
      this.report(err instanceof Error ? err : new Error(String(err)), {
        kind: 'invalid',
        ids: [],
      });
      return undefined;
    }
  }

  flush(): Promise<void> {
    const mark = this.seq;
    this.dueThrough = Math.max(this.dueThrough, mark);
    return new Promise<void>((done) => {
      this.waiters.push({ mark, done });
      this.settle();
      this.pump();
    });
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.stopTimer();
    this.removeExitHook();
  }

  stats(): ClientStats {
    let inFlight = 0;
    for (const batch of this.inFlight) inFlight += batch.length;
    return { ...this.counts, queued: this.queue.length, inFlight };
  }

  private enqueue(op: Op): string | undefined {
    const prepared = prepareOp(op, new Date());
    if (prepared instanceof InvalidOpError) {
      this.counts.invalid++;
      this.report(prepared, { kind: 'invalid', ids: [] });
      return undefined;
    }
    this.counts.observed++;
    if (this.closed) {
      this.counts.dropped++;
      const err = new OpsDroppedError('the client is shut down; the op was not queued');
      this.report(err, { kind: 'dropped', ids: [prepared.id] });
      return undefined;
    }
    this.seq++;
    const pushedOut = this.queue.push({ ...prepared, seq: this.seq });
    if (pushedOut !== undefined) {
      this.counts.dropped++;
      const err = new OpsDroppedError(`the queue is full (${this.s.maxQueue}); the oldest op went`);
      this.report(err, { kind: 'dropped', ids: [pushedOut.id] });
      this.settle();
    }
    this.pump();
    this.arm();
    return prepared.id;
  }

  /** Starts requests while there is room in flight and ops are due. */
  private pump(): void {
    while (this.inFlight.size < this.s.concurrency) {
      const first = this.queue.first();
      if (first === undefined) return;
      if (this.queue.length < this.s.flushAt && first.seq > this.dueThrough) return;
      const batch = this.queue.take(MAX_BATCH_OPS, MAX_BATCH_BYTES);
      this.inFlight.add(batch);
      void this.deliver(batch);
    }
  }

  /** Sends one batch until it is answered, refused, or out of retries. Never rejects. */
  private async deliver(batch: QueuedOp[]): Promise<void> {
    const body = `[${batch.map((op) => op.json).join(',')}]`;
    const ids = batch.map((op) => op.id);
    try {
      for (let attempt = 1; ; attempt++) {
        this.counts.requests++;
        const outcome = await sendBatch({
          fetch: this.s.fetch,
          url: this.s.endpoint,
          headers: this.s.headers,
          body,
          timeoutMs: this.s.timeout,
        });
        if (outcome.kind !== 'retry') return this.conclude(outcome, ids);
        if (attempt > this.s.maxRetries) return this.giveUp(outcome.error, ids, attempt);
        const delayMs = retryDelay(attempt, this.s.backoff, outcome.retryAfterMs);
        this.counts.retries++;
        this.report(outcome.error, retryContext(outcome.error, ids, attempt, delayMs));
        await new Promise((wake) => setTimeout(wake, delayMs));
      }
    } catch (err: unknown) {
      this.giveUp(err, ids, 0);
    } finally {
      this.inFlight.delete(batch);
      this.settle();
      this.pump();
      this.arm();
    }
  }

  /** Counts and reports a batch the service answered or refused. */
  private conclude(outcome: Exclude<SendOutcome, { kind: 'retry' }>, ids: string[]): void {
    if (outcome.kind === 'refused') {
      this.counts.failed += ids.length;
      this.report(outcome.error, { kind: 'refused', ids, status: outcome.error.status });
      return;
    }
    ids.forEach((id, i) => {
      const rejection = outcome.rejected.get(i);
      if (rejection !== undefined) {
        this.report(rejection, { kind: 'rejected', ids: [id], status: rejection.status });
      }
    });
    this.counts.rejected += outcome.rejected.size;
    this.counts.sent += ids.length - outcome.rejected.size;
    this.counts.duplicates += outcome.duplicates.size;
  }

  private giveUp(cause: unknown, ids: string[], attempts: number): void {
    this.counts.failed += ids.length;
    const err = new DeliveryFailedError(`gave up on ${ids.length} ops after ${attempts} attempts`, {
      cause,
    });
    this.report(err, { kind: 'gave-up', ids, attempt: attempts });
  }

  /** Starts the interval timer when an op waits that nothing has made due yet. */
  private arm(): void {
    if (this.timer !== undefined || this.closed) return;
    if (this.queue.length === 0 || this.seq <= this.dueThrough) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueThrough = this.seq;
      this.pump();
    }, this.s.flushInterval);
    // An idle client does not keep Node running; the beforeExit hook sends what is left.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Resolves the flushes whose ops are all sent or given up. */
  private settle(): void {
    let oldest = this.queue.first()?.seq ?? Number.POSITIVE_INFINITY;
    for (const batch of this.inFlight) oldest = Math.min(oldest, batch[0]?.seq ?? oldest);
    const ready = this.waiters.filter((w) => w.mark < oldest);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.mark >= oldest);
    for (const w of ready) w.done();
  }

  private onBeforeExit(): void {
    if (this.queue.length > 0) void this.flush();
  }

  private onExit(): void {
    const queued = this.queue.drain();
    const inFlight = [...this.inFlight].flat();
    this.counts.dropped += queued.length;
    if (queued.length + inFlight.length === 0) return;
    const err = new OpsDroppedError(
      `the process is exiting with ${queued.length} ops unsent and ${inFlight.length} unanswered`,
    );
    this.report(err, { kind: 'exit', ids: [...queued, ...inFlight].map((op) => op.id) });
  }

  private report(err: Error, context: ErrorContext): void {
    try {
      this.s.onError(err, context);
    } catch {
      // A callback that throws must not stop the sending.
    }
  }
}

function retryContext(
  error: RetryableAnswerError | NetworkError,
  ids: string[],
  attempt: number,
  delayMs: number,
): ErrorContext {
  const status = error instanceof RetryableAnswerError ? { status: error.status } : {};
  return { kind: 'retry', ids, attempt, delayMs, ...status };
}
