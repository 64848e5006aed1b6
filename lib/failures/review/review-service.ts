import type { RingEntry } from '../../domain/entry';
import type { SegmentStore } from '../../storage/store';
import { type Review, reviewOp, withModelOpinion } from './review';
import { type ClusterFailures, clusterMatcher } from './review-clusters';
import { askModel, type ReviewModelConfig } from './review-model';
import { findStoredOp, type ReviewRequest } from './review-request';

/** What a review reads: the store, the ring, the clock, how clusters are made, the model. */
export interface ReviewDeps {
  store: SegmentStore;
  /** The ring, oldest first, current as of the request. */
  entries: readonly RingEntry[];
  now: number;
  clusterFailures: ClusterFailures;
  /** The fallback model, when one is configured. */
  model?: ReviewModelConfig;
}

/**
 * Answers a review request: finds the op (a 404 for a stored op that is
 * not there), matches it to a cluster over the ring, applies the rule
 * table, and asks the fallback model only when the rules are inconclusive
 * and a model is configured.
 */
export async function answerReview(request: ReviewRequest, deps: ReviewDeps): Promise<Review> {
  const { store, entries, now } = deps;
  const target =
    'op' in request ? { op: request.op } : await findStoredOp(store, entries, request.ref);
  const cluster = target.op.success
    ? undefined
    : clusterMatcher(entries, deps.clusterFailures(entries, now))(target);
  const review = reviewOp({ target, entries, cluster, now });
  if (review.rules.conclusive || deps.model === undefined) return review;
  return withModelOpinion(review, await askModel(deps.model, review, target.op));
}
