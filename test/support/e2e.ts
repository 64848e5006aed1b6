import { inject } from 'vitest';
import { bucketEnv } from '../../dev/offline-stack';

/** The environment the local stack's functions get: the test S3 and a prefix of their own. */
export function stackEnv(prefix: string): Record<string, string> {
  return bucketEnv({ endpoint: inject('s3Endpoint'), bucket: inject('s3Bucket'), prefix });
}
