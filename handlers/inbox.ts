import { config, getStore } from '../lib/app/runtime';
import { type DroppedFile, droppedFiles } from '../lib/ingest/inbox-event';
import { type InboxOutcome, ingestInboxFile } from '../lib/ingest/inbox-file';
import { log } from '../lib/platform/log';
import { withTelemetry } from '../lib/platform/metrics';

/**
 * On each JSON-lines file dropped under `inbox/` (an S3 ObjectCreated
 * event): its lines become ops, a report lists the refused ones, and the
 * file moves to `inbox/done/` (see lib/ingest/inbox-file.ts). A storage
 * failure fails the invocation, and Lambda's retry of the event is safe.
 */
export const handler = withTelemetry(async (event: unknown): Promise<{ files: InboxOutcome[] }> => {
  const files: DroppedFile[] = droppedFiles(event, config.bucket, config.prefix);
  const outcomes: InboxOutcome[] = [];
  for (const { file, size } of files) {
    const outcome = await ingestInboxFile(getStore(), file, size !== undefined ? { size } : {});
    log.info('inbox file done', { ...outcome });
    outcomes.push(outcome);
  }
  return { files: outcomes };
});
