import type { S3Event } from 'aws-lambda';

/** A key as S3 writes it into an event: URL-encoded, with spaces as `+`. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** The S3 notification Lambda receives when objects are created (one record per key). */
export function objectCreated(
  bucket: string,
  objects: { key: string; size: number; eTag?: string }[],
  eventName = 'ObjectCreated:Put',
): S3Event {
  return {
    Records: objects.map(({ key, size, eTag }, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-11-24T21:15:03.123Z',
      eventName,
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': `req-${i}`, 'x-amz-id-2': `id2-${i}` },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'inbox',
        bucket: {
          name: bucket,
          ownerIdentity: { principalId: 'A3EXAMPLE' },
          arn: `arn:aws:s3:::${bucket}`,
        },
        object: {
          key: eventKey(key),
          size,
          eTag: eTag ?? '0123456789abcdef0123456789abcdef',
          sequencer: `0055AED6DCD9028${i}`,
        },
      },
    })),
  };
}
