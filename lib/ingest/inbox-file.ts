import { z } from 'zod';
import { mapLimit } from '../platform/concurrency';
import { parseJson } from '../platform/json';
import { ConcurrentWriteError } from '../storage/errors';
import { INBOX_ROOT, inboxDoneKey, inboxReportKey } from '../storage/keys';
import type { SegmentStore, StoredObject } from '../storage/store';
import {
  correctionsFrom,
  type InvalidLine,
  MAX_INBOX_BYTES,
  MAX_REPORTED_LINES,
  segmentsOf,
} from './inbox';

/** Segments written at once. */
const WRITE_CONCURRENCY = 4;

/** The report written beside an ingested file (`inbox/reports/<file>.json`). */
export interface InboxReport {
  file: string;
  /** The version (ETag) of the file the report is about. */
  etag: string;
  ingested_at: string;
  /** Lines that were not blank. */
  lines: number;
  recorded: number;
  invalid_count: number;
  /** The refused lines (1-based) and why, the first 1,000. */
  invalid: InvalidLine[];
  segments: string[];
}

/** What became of one file. */
export type InboxOutcome =
  | { file: string; status: 'ingested'; recorded: number; invalid: number; segments: number }
  | { file: string; status: 'already-ingested' | 'missing' }
  | { file: string; status: 'too-large'; bytes: number };

// Only what a redelivery needs; the rest of a report is for people.
const ReportMarkSchema = z.looseObject({ etag: z.string(), segments: z.array(z.string()) });

/**
 * Ingests one correction file, `inbox/<file>`: its valid lines become ops,
 * written as segments of at most 500; the report lists the refused lines;
 * then the file moves to `inbox/done/<file>` (copy, then delete). Safe to
 * repeat: the ops' ids come from the file's name, ETag and line, and a
 * report for the same ETag means the segments were written, so a
 * redelivered event writes no segment again and only finishes the move.
 */
export async function ingestInboxFile(
  store: SegmentStore,
  file: string,
  options: { size?: number; now?: () => Date } = {},
): Promise<InboxOutcome> {
  const now = options.now ?? (() => new Date());
  if ((options.size ?? 0) > MAX_INBOX_BYTES) return tooLarge(store, file, options.size ?? 0, now);
  const [object, report] = await Promise.all([
    store.getObject(`${INBOX_ROOT}${file}`),
    store.getDocument(inboxReportKey(file)),
  ]);
  const mark = ReportMarkSchema.safeParse(parseJson(report ?? 'null'));
  if (!object) return { file, status: mark.success ? 'already-ingested' : 'missing' };
  if (object.body.length > MAX_INBOX_BYTES) return tooLarge(store, file, object.body.length, now);
  const etag = object.etag.replaceAll('"', '');
  if (mark.success && mark.data.etag === etag) {
    await moveToDone(store, file, object);
    return { file, status: 'already-ingested' };
  }
  const written = await recordCorrections(store, file, etag, object.body, now);
  await store.putDocument(inboxReportKey(file), `${JSON.stringify(written, null, 2)}\n`);
  await moveToDone(store, file, object);
  return {
    file,
    status: 'ingested',
    recorded: written.recorded,
    invalid: written.invalid_count,
    segments: written.segments.length,
  };
}

async function recordCorrections(
  store: SegmentStore,
  file: string,
  etag: string,
  body: Uint8Array,
  now: () => Date,
): Promise<InboxReport> {
  const receivedAt = now();
  // A byte-order mark is not part of the first line.
  const text = Buffer.from(body)
    .toString('utf-8')
    .replace(/^\uFEFF/, '');
  const { ops, invalid } = correctionsFrom(text, file, etag, receivedAt);
  // Each segment is stamped when it is written, as a refresh expects of any write.
  const segments = await mapLimit(segmentsOf(ops), WRITE_CONCURRENCY, (chunk) =>
    store.append(chunk, now()),
  );
  return {
    file: `${INBOX_ROOT}${file}`,
    etag,
    ingested_at: receivedAt.toISOString(),
    lines: ops.length + invalid.length,
    recorded: ops.length,
    invalid_count: invalid.length,
    invalid: invalid.slice(0, MAX_REPORTED_LINES),
    segments,
  };
}

/** Copies the file to `inbox/done/` (replacing an older copy), then deletes it. */
async function moveToDone(store: SegmentStore, file: string, object: StoredObject): Promise<void> {
  const done = inboxDoneKey(file);
  try {
    await store.putObject(done, object.body, null);
  } catch (err: unknown) {
    if (!(err instanceof ConcurrentWriteError)) throw err;
    const previous = await store.getObject(done);
    if (!previous || !Buffer.from(previous.body).equals(Buffer.from(object.body))) {
      await store.putObject(done, object.body, previous?.etag ?? null);
    }
  }
  await store.deleteObjects([`${INBOX_ROOT}${file}`]);
}

async function tooLarge(
  store: SegmentStore,
  file: string,
  bytes: number,
  now: () => Date,
): Promise<InboxOutcome> {
  const error = `the file is ${bytes} bytes; the limit is ${MAX_INBOX_BYTES}; split it and drop the parts`;
  const report = { file: `${INBOX_ROOT}${file}`, checked_at: now().toISOString(), error };
  await store.putDocument(inboxReportKey(file), `${JSON.stringify(report, null, 2)}\n`);
  return { file, status: 'too-large', bytes };
}
