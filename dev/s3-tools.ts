import type { S3Client } from '@aws-sdk/client-s3';
import { collect } from '../lib/platform/concurrency';
import { LOCAL_S3_CREDENTIALS } from '../lib/platform/limits';
import { createS3Client } from '../lib/storage/s3-client';
import { S3Objects } from '../lib/storage/s3-objects';

/** A client for a local S3 server (s3rver) at `endpoint`, as the service would make one. */
export function localS3Client(endpoint: string): S3Client {
  return createS3Client({
    s3Endpoint: endpoint,
    s3Credentials: LOCAL_S3_CREDENTIALS,
    region: 'us-east-1',
  });
}

/** S3 calls a client makes, by command name, counting every HTTP attempt. */
export function countRequests(client: S3Client): Record<string, number> {
  const counts: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? 'unknown');
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'countRequests' },
  );
  return counts;
}

/** Every key under a prefix of a bucket (all pages), as the service lists them. */
export async function listKeysIn(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<string[]> {
  return collect(new S3Objects(client, bucket).list(prefix));
}
