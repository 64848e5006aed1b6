import { HttpError } from './http';
import { describeIssues, MAX_OP_BYTES, type ObservedOp, parseOp } from './op';

/** The op a request body carries, with defaults applied, or a 400/413 naming what is wrong. */
export function opFromBody(body: unknown, receivedAt: Date): ObservedOp {
  const result = parseOp(body, receivedAt);
  if (result.ok) return result.op;
  if ('tooLarge' in result) {
    throw new HttpError(
      413,
      `op is ${result.bytes} bytes serialized; the limit is ${MAX_OP_BYTES}`,
    );
  }
  throw new HttpError(400, `invalid op: ${describeIssues(result.issues)}`, {
    fields: result.issues,
  });
}
