import { z } from 'zod';
import { log } from '../platform/log';
import { inboxFile } from '../storage/keys';

/** A file an S3 event names: its name below `inbox/`, and its size when the event says. */
export interface DroppedFile {
  file: string;
  size?: number;
}

/** The S3 event was not an S3 notification; the message says what is wrong. */
export class InboxEventError extends Error {
  override name = 'InboxEventError';
}

const S3EventSchema = z.object({
  Records: z.array(
    z.object({
      eventName: z.string(),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({ key: z.string(), size: z.number().nonnegative().optional() }),
      }),
    }),
  ),
});

/**
 * The correction files an S3 notification names: ObjectCreated records in
 * the service's bucket, under its prefix and `inbox/` (not `inbox/done/`
 * nor `inbox/reports/`), keys URL-decoded as S3 encodes them. Any other
 * record is skipped with a log line; a body that is no S3 event throws.
 */
export function droppedFiles(event: unknown, bucket: string, prefix: string): DroppedFile[] {
  const parsed = S3EventSchema.safeParse(event);
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(event)').join(', ');
    throw new InboxEventError(`not an S3 event notification: bad ${where}`);
  }
  const files: DroppedFile[] = [];
  for (const { eventName, s3 } of parsed.data.Records) {
    const key = decodeKey(s3.object.key);
    const file =
      key?.startsWith(prefix) && s3.bucket.name === bucket && eventName.startsWith('ObjectCreated')
        ? inboxFile(key.slice(prefix.length))
        : undefined;
    if (file === undefined) {
      log.info('inbox event record skipped', {
        eventName,
        bucket: s3.bucket.name,
        key: s3.object.key,
      });
      continue;
    }
    files.push({ file, ...(s3.object.size !== undefined ? { size: s3.object.size } : {}) });
  }
  return files;
}

// S3 event keys are URL-encoded, with spaces as "+".
function decodeKey(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
