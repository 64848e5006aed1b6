import { admit, config, getObserver, getStore } from '../lib/app/runtime';
import { clusterFailures } from '../lib/failures/clustering/clusters';
import { reviewRequest } from '../lib/failures/review/review-request';
import { answerReview } from '../lib/failures/review/review-service';
import { httpHandler } from '../lib/http/handler';
import { readJsonBody } from '../lib/http/request';
import { json } from '../lib/http/response';

/** POST /observer/review: a verdict on an op (sent, or named by its key and line). */
export const handler = httpHandler(async (event) => {
  await admit(event, 'read');
  const receivedAt = new Date();
  const request = reviewRequest(readJsonBody(event), receivedAt);
  // As stats, ops and failures do: loaded once, refreshed after; cached when S3 cannot be listed.
  const { ring } = await getObserver().freshRing();
  const review = await answerReview(request, {
    store: getStore(),
    entries: [...ring],
    now: receivedAt.getTime(),
    clusterFailures,
    model: config.reviewModel,
  });
  return json(200, review);
});
