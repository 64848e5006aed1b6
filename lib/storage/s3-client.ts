import { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../platform/config';

/** Milliseconds the SDK waits for a connection and for a reply before it gives up on an attempt. */
export const S3_CONNECT_TIMEOUT_MS = 2_000;
export const S3_REQUEST_TIMEOUT_MS = 3_000;
/**
 * SDK attempts per S3 call (the first and one retry). Together with the
 * timeouts this keeps a write's worst case (~10 s) inside the event
 * function's timeout and the refresh skew window (15 s by default).
 */
export const S3_MAX_ATTEMPTS = 2;

/**
 * The S3 client for the configured endpoint: AWS by default; a local or
 * non-AWS server with path-style addressing when S3_ENDPOINT is set.
 */
export function createS3Client(
  config: Pick<Config, 's3Endpoint' | 's3Credentials' | 'region'>,
): S3Client {
  const custom = config.s3Endpoint !== undefined;
  return new S3Client({
    region: config.region,
    maxAttempts: S3_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: S3_CONNECT_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
    },
    ...(custom
      ? {
          endpoint: config.s3Endpoint,
          forcePathStyle: true,
          // Local S3 servers mangle aws-chunked checksummed bodies; checksum only when required.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          credentials: config.s3Credentials,
        }
      : {}),
  });
}
