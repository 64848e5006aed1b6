import { z } from 'zod';
import { parseJson } from '../../platform/json';
import { log } from '../../platform/log';
import { ConcurrentWriteError } from '../../storage/errors';
import { escalationClaimKey, escalationRecordKey } from '../../storage/keys';
import type { SegmentStore } from '../../storage/store';
import { type ClaimLimits, type ClaimState, nextRoundOf } from './escalation-rules';

const ClaimSchema = z.object({
  cluster_id: z.string(),
  escalation_id: z.string().min(1),
  round: z.number().int().min(1),
  started_at: z.iso.datetime(),
  claimed_at: z.iso.datetime(),
  finished_at: z.iso.datetime().optional(),
  state: z.enum(['sending', 'delivered', 'failed', 'rejected']),
  record_key: z.string(),
  /** The run that claimed the latest round: only it settles the round. */
  owner: z.string(),
});

/** A cluster's claim document: its escalation, the latest round and who runs it. */
export type Claim = z.infer<typeof ClaimSchema>;

/** The outcome of claiming: this run delivers the round, or why it does not. */
export type ClaimResult =
  | { kind: 'claimed'; claim: Claim }
  | { kind: 'skipped'; reason: 'cooldown' | 'in-flight' | 'gave-up' | 'sent' | 'taken' };

/**
 * Claims the next delivery round of escalation `escalationId` of a subject
 * (an issue) at `now`, if `nextRoundOf` allows one, by a conditional write
 * over the subject's claim document as it was read (or onto no document):
 * of all the runs that read the same claim, in any container, exactly one
 * writes it and delivers; the others are told `taken`.
 */
export async function claimRound(
  store: SegmentStore,
  clusterId: string,
  escalationId: string,
  now: number,
  limits: ClaimLimits,
  owner: string,
): Promise<ClaimResult> {
  const key = escalationClaimKey(clusterId);
  const current = await store.getObject(key);
  const previous = current ? readClaim(key, current.body) : undefined;
  const step = nextRoundOf(previous, escalationId, now, limits);
  if (step.kind === 'skip') return { kind: 'skipped', reason: step.reason };
  const at = new Date(now);
  const round = step.kind === 'retry' ? step.round : 1;
  const claim: Claim = {
    cluster_id: clusterId,
    escalation_id: escalationId,
    round,
    started_at: step.kind === 'retry' && previous ? previous.started_at : at.toISOString(),
    claimed_at: at.toISOString(),
    state: 'sending',
    record_key: escalationRecordKey(at, clusterId, round),
    owner,
  };
  try {
    await store.putObject(key, encode(claim), current?.etag ?? null);
  } catch (err: unknown) {
    if (err instanceof ConcurrentWriteError) return { kind: 'skipped', reason: 'taken' };
    throw err;
  }
  return { kind: 'claimed', claim };
}

/**
 * Records how a claimed round ended, by a conditional write over the claim
 * as read, and only while the claim is still this run's round (a round
 * taken over as abandoned is left to its new owner). False when it was not
 * written.
 */
export async function settleRound(
  store: SegmentStore,
  claim: Claim,
  state: ClaimState['state'],
  finishedAt: number,
): Promise<boolean> {
  const key = escalationClaimKey(claim.cluster_id);
  const current = await store.getObject(key);
  const stored = current ? readClaim(key, current.body) : undefined;
  if (!current || stored?.owner !== claim.owner || stored.round !== claim.round) {
    log.warn('escalation claim changed hands; its outcome is only in the record', {
      key,
      escalation_id: claim.escalation_id,
      round: claim.round,
    });
    return false;
  }
  const settled: Claim = { ...stored, state, finished_at: new Date(finishedAt).toISOString() };
  try {
    await store.putObject(key, encode(settled), current.etag);
    return true;
  } catch (err: unknown) {
    if (!(err instanceof ConcurrentWriteError)) throw err;
    log.warn('escalation claim changed while settling; left as it is', { key });
    return false;
  }
}

/** A claim document, or undefined (with a warning) when it is not one: it is then claimed anew. */
function readClaim(key: string, body: Uint8Array): Claim | undefined {
  const parsed = ClaimSchema.safeParse(parseJson(Buffer.from(body).toString('utf-8')));
  if (parsed.success) return parsed.data;
  log.warn('escalation claim unreadable; claiming it anew', { key });
  return undefined;
}

function encode(claim: Claim): Uint8Array {
  return Buffer.from(JSON.stringify(claim));
}
