import { createHash } from 'node:crypto';
import { describeIssues, MAX_OP_BYTES, type ObservedOp, parseOp } from '../domain/op';
import { decodeLines, type SkippedLine } from '../storage/segment-codec';
import { MAX_BATCH_OPS } from './requests';

/** The source of a correction line that names none. */
export const INBOX_SOURCE = 'overseer_correction';

/** Ops per segment the inbox writes: as many as one batch request may carry. */
export const INBOX_SEGMENT_OPS = MAX_BATCH_OPS;

/** The largest correction file read; a larger one is reported and left in place. */
export const MAX_INBOX_BYTES = 64 * 1024 * 1024;

/** Refused lines listed in a report at most; `invalid_count` counts them all. */
export const MAX_REPORTED_LINES = 1_000;

/** A line of a correction file that did not become an op, and why (1-based). */
export type InvalidLine = SkippedLine;

/** The ops a correction file holds, and the lines it refused. */
export interface Corrections {
  ops: ObservedOp[];
  invalid: InvalidLine[];
}

/**
 * The id of the op on line `line` of a file, at one version of it (its
 * ETag): the same file delivered again gives the same ids, so it is
 * recorded once; a new upload under the same name gives new ones.
 */
export function inboxOpId(file: string, version: string, line: number): string {
  const digest = createHash('sha256').update(`${file}\n${version}\n${line}`).digest('hex');
  return `inbox-${digest.slice(0, 40)}`;
}

/**
 * Reads a JSON-lines correction file: each line an op, validated as
 * `POST /observer/event` validates one, its source `overseer_correction`
 * and its id derived from the file, version and line unless the line
 * names them. Blank lines are skipped; every other refused line is listed.
 */
export function correctionsFrom(
  text: string,
  file: string,
  version: string,
  receivedAt: Date,
): Corrections {
  const { items, skipped } = decodeLines(text, (value, line) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return 'must be a JSON object (one op per line)';
    }
    const fields = value as Record<string, unknown>;
    const result = parseOp(
      {
        ...fields,
        source: fields.source ?? INBOX_SOURCE,
        id: fields.id ?? inboxOpId(file, version, line),
      },
      receivedAt,
    );
    if (result.ok) return result.op;
    if ('tooLarge' in result) {
      return `op is ${result.bytes} bytes serialized; the limit is ${MAX_OP_BYTES}`;
    }
    return `invalid op: ${describeIssues(result.issues)}`;
  });
  return { ops: items, invalid: skipped };
}

/** Splits ops into segments of at most `size`. */
export function segmentsOf<T>(ops: readonly T[], size = INBOX_SEGMENT_OPS): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ops.length; i += size) out.push(ops.slice(i, i + size));
  return out;
}
