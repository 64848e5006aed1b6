import { createHash } from 'node:crypto';
import type { PutObjectCommand } from '@aws-sdk/client-s3';
import { WRITE_BUDGET, type WriteBudget } from '../platform/limits';
import { log } from '../platform/log';
import { StoreUnavailableError } from './errors';
import { isKeyClash, neverWrote, VOID_METADATA } from './s3-errors';
import type { S3Objects } from './s3-objects';

/** How many times a write whose outcome is unknown tries to settle its key. */
const SETTLE_ATTEMPTS = 3;

/** Metadata naming the SHA-256 of a segment's bytes: how a writer knows its own object. */
const HASH_METADATA = 'observer-sha256';

/** What one conditional PutObject came to. */
type PutResult =
  | { kind: 'written' }
  | { kind: 'clash' }
  | { kind: 'failed'; err: unknown; maybeWritten: boolean };

/** Whose object a key holds: our exact bytes, other bytes, none, or unknown (S3 did not say). */
type Owner = 'ours' | 'other' | 'absent' | 'unknown';

/**
 * Writes new objects that must never overwrite and whose outcome must be
 * known before the client is answered: a put with If-None-Match, and, when
 * it fails in a way that may still have written (a timeout, a lost reply,
 * a 5xx), a conditional void on the same key. If the void lands, the write
 * never can (it would meet the void), so nothing was recorded; if the key
 * is taken, it holds either our bytes (written after all) or someone
 * else's. Our bytes are told by the SHA-256 in the object's metadata, not
 * by its ETag, which is not an MD5 under SSE-KMS or on every S3.
 */
export class ConditionalWriter {
  constructor(
    private readonly objects: S3Objects,
    private readonly budget: WriteBudget = WRITE_BUDGET,
  ) {}

  /**
   * Writes `body` under `key` if the key is free: 'written', or 'taken' when
   * another object holds it. Throws StoreUnavailableError when nothing was
   * written (outcome 'not-recorded') or when S3 did not say ('unknown').
   */
  async create(key: string, body: string, contentType: string): Promise<'written' | 'taken'> {
    const hash = sha256(body);
    const put = await this.put(key, body, contentType, { [HASH_METADATA]: hash }, this.deadline());
    if (put.kind === 'written') return 'written';
    if (put.kind === 'failed' && !put.maybeWritten) {
      throw new StoreUnavailableError(`writing ${key} failed`, {
        cause: put.err,
        outcome: 'not-recorded',
      });
    }
    if (put.kind === 'clash') {
      // Our own earlier attempt (an SDK retry met it), or another's object.
      const owner = await this.owner(key, hash);
      if (owner === 'ours') return 'written';
      if (owner === 'other') return 'taken';
    }
    const settled = await this.settle(key, hash);
    if (settled === 'ours') {
      log.warn('write failed but landed; acknowledged', { key });
      return 'written';
    }
    const cause = put.kind === 'failed' ? put.err : undefined;
    if (settled === 'closed') {
      // A conflict whose write may still land (a 409): the key is closed to it now.
      if (put.kind === 'clash') return 'taken';
      throw new StoreUnavailableError(`writing ${key} failed; its key was voided`, {
        cause,
        outcome: 'not-recorded',
      });
    }
    // Even after a clash: the SDK's retry may have met our own first attempt,
    // and writing under another key could then store the ops twice.
    log.error('write outcome unknown: S3 did not answer a write or its void', { key });
    throw new StoreUnavailableError(`the outcome of writing ${key} is unknown`, {
      cause,
      outcome: 'unknown',
    });
  }

  /**
   * Makes a key whose write may or may not have landed end up holding our
   * bytes ('ours'), or closed to them by a void or another's object
   * ('closed'); 'unknown' when S3 answered neither.
   */
  private async settle(key: string, hash: string): Promise<'ours' | 'closed' | 'unknown'> {
    const deadline = AbortSignal.timeout(this.budget.settleMs);
    for (let attempt = 1; attempt <= SETTLE_ATTEMPTS && !deadline.aborted; attempt++) {
      const put = await this.put(key, '', 'application/x-ndjson', VOID_METADATA, deadline);
      if (put.kind === 'written') return 'closed';
      if (put.kind !== 'clash') continue;
      const owner = await this.owner(key, hash);
      if (owner === 'ours') return 'ours';
      // A void (ours, from an attempt whose reply was lost) or another's object.
      if (owner === 'other') return 'closed';
    }
    return 'unknown';
  }

  private async owner(key: string, hash: string): Promise<Owner> {
    const head = await this.objects.head(key);
    if (head.kind !== 'found') return head.kind;
    return head.metadata[HASH_METADATA] === hash ? 'ours' : 'other';
  }

  /** One conditional PutObject, and whether a failed one may still have written. */
  private async put(
    key: string,
    body: string,
    contentType: string,
    metadata: Record<string, string>,
    deadline: AbortSignal,
  ): Promise<PutResult> {
    const command = this.objects.putCommand(key, body, {
      contentType,
      condition: 'absent',
      metadata,
    });
    const attempts = watchAttempts(command);
    try {
      await this.objects.send(command, deadline);
      return { kind: 'written' };
    } catch (err: unknown) {
      if (isKeyClash(err)) return { kind: 'clash' };
      return { kind: 'failed', err, maybeWritten: attempts.maybeWrote() };
    }
  }

  private deadline(): AbortSignal {
    return AbortSignal.timeout(this.budget.writeMs);
  }
}

function sha256(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Watches each HTTP attempt of one command (below the SDK's retries) to tell
 * whether a failed write may have been written: false only when every
 * attempt was refused before it reached S3 or was answered with an error
 * that means S3 did not write it.
 */
function watchAttempts(command: PutObjectCommand): { maybeWrote: () => boolean } {
  let attempts = 0;
  let refused = 0;
  command.middlewareStack.add(
    (next) => async (args) => {
      attempts++;
      try {
        return await next(args);
      } catch (err: unknown) {
        if (neverWrote(err)) refused++;
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'observerWatchAttempts' },
  );
  // No attempt seen (a client that does not run middleware): assume the worst.
  return { maybeWrote: () => attempts === 0 || refused < attempts };
}
