import { z } from 'zod';
import { InvalidInputError } from '../domain/errors';
import {
  describeIssues,
  MAX_OP_BYTES,
  type ObservedOp,
  ObservedOpSchema,
  parseOp,
} from '../domain/op';
import type { RecordResult } from '../ring/observer';
import type {
  AcceptedOp,
  BatchAnswer,
  EventAnswer,
  EventDuplicateAnswer,
  Rejection,
} from './answers';

/** The most ops one batch request may carry. */
export const MAX_BATCH_OPS = 500;

/** Validates one op: the op with defaults applied, or why it was refused. */
function validate(
  body: unknown,
  receivedAt: Date,
  index: number,
): { op: ObservedOp } | { rejection: Rejection } {
  const result = parseOp(body, receivedAt);
  if (result.ok) return { op: result.op };
  if ('tooLarge' in result) {
    return {
      rejection: {
        index,
        status: 413,
        error: `op is ${result.bytes} bytes serialized; the limit is ${MAX_OP_BYTES}`,
      },
    };
  }
  return {
    rejection: {
      index,
      status: 400,
      error: `invalid op: ${describeIssues(result.issues)}`,
      fields: result.issues,
    },
  };
}

/** The op a request body carries, with defaults applied, or a 400/413 naming what is wrong. */
export function opFromBody(body: unknown, receivedAt: Date): ObservedOp {
  const result = validate(body, receivedAt, 0);
  if ('op' in result) return result.op;
  const { status, error, fields } = result.rejection;
  throw new InvalidInputError(
    error,
    fields ? { fields } : {},
    status === 413 ? 'too-large' : 'invalid',
  );
}

const idOf = (op: ObservedOp) => (op.id !== undefined ? { id: op.id } : {});

/** The answer to a single op: 201 when written, 200 when it was a duplicate. */
export function eventAnswer(
  op: ObservedOp,
  result: RecordResult,
): { status: 200; body: EventDuplicateAnswer } | { status: 201; body: EventAnswer } {
  const base = { ok: true, timestamp: op.timestamp, source: op.source, ...idOf(op) } as const;
  // Only an op with an id can be a duplicate; a new op always has the key it was written to.
  if (result.duplicate[0] || result.key === undefined) {
    return { status: 200, body: { ...base, duplicate: true } };
  }
  return { status: 201, body: { ...base, key: result.key } };
}

const opList = z.array(ObservedOpSchema).min(1).max(MAX_BATCH_OPS);

/**
 * A batch body as the API description gives it: ops as a JSON array, or
 * wrapped as `{"ops": [...]}`. The server reads each op on its own
 * (opsFromBatchBody), so a batch with some wrong ops is answered 207.
 */
export const BatchRequestSchema = z.union([opList, z.looseObject({ ops: opList })]);

/** A batch body: the ops as a JSON array, or wrapped as `{"ops": [...]}`. */
const BatchBodySchema = z.union([
  z.array(z.unknown()),
  z.looseObject({ ops: z.array(z.unknown()) }),
]);

/** One op of a batch that passed validation, with its place in the request. */
export interface BatchItem {
  index: number;
  op: ObservedOp;
}

/**
 * The ops of a batch body (a JSON array, or `{"ops": [...]}`), each validated
 * on its own: at most 500 (413 beyond), at least one valid (400 otherwise).
 */
export function opsFromBatchBody(
  body: unknown,
  receivedAt: Date,
): { valid: BatchItem[]; rejected: Rejection[] } {
  const batch = BatchBodySchema.safeParse(body);
  if (!batch.success) {
    throw new InvalidInputError('body must be a JSON array of ops, or {"ops": [...]}');
  }
  const list = Array.isArray(batch.data) ? batch.data : batch.data.ops;
  if (list.length === 0) throw new InvalidInputError('the batch is empty');
  if (list.length > MAX_BATCH_OPS) {
    throw new InvalidInputError(
      `the batch has ${list.length} ops; the limit is ${MAX_BATCH_OPS}`,
      {},
      'too-large',
    );
  }
  const valid: BatchItem[] = [];
  const rejected: Rejection[] = [];
  list.forEach((item: unknown, index) => {
    const result = validate(item, receivedAt, index);
    if ('op' in result) valid.push({ index, op: result.op });
    else rejected.push(result.rejection);
  });
  if (valid.length === 0) {
    throw new InvalidInputError('no valid op in the batch', { accepted: [], rejected });
  }
  return { valid, rejected };
}

/** The answer to a batch: 201 when every op was accepted, 207 with both lists otherwise. */
export function batchAnswer(
  valid: readonly BatchItem[],
  rejected: readonly Rejection[],
  result: RecordResult,
): { status: 201 | 207; body: BatchAnswer } {
  const accepted = valid.map(
    (item, i): AcceptedOp => ({
      index: item.index,
      ...idOf(item.op),
      ...(result.duplicate[i] ? { duplicate: true } : {}),
    }),
  );
  const key = result.key ?? null;
  if (rejected.length === 0) {
    return { status: 201, body: { ok: true, key, accepted, rejected: [] } };
  }
  return { status: 207, body: { ok: false, key, accepted, rejected: [...rejected] } };
}
