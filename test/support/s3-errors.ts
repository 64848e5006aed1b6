import { S3ServiceException } from '@aws-sdk/client-s3';

/** An error as the S3 client throws it for an HTTP answer: `s3Error('PreconditionFailed', 412)`. */
export const s3Error = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message: name,
  });
