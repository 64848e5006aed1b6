import { inject } from 'vitest';

/** The environment the local stack's functions get: the test S3 and a prefix of their own. */
export function stackEnv(prefix: string): Record<string, string> {
  return {
    S3_ENDPOINT: inject('s3Endpoint'),
    OBSERVER_BUCKET: inject('s3Bucket'),
    OBSERVER_PREFIX: prefix,
    OBSERVER_API_TOKEN: '',
  };
}
