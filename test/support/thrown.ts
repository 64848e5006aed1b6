import { toResponse } from '../../lib/http/errors';
/** The error of class `type` that `fn` throws; fails the test when it throws nothing or something else. */
export function thrownBy<E extends Error>(
  type: abstract new (...args: never[]) => E,
  fn: () => unknown,
): E {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name} to be thrown`);
}

/** What a client is answered when `fn` throws, as the HTTP edge maps it; fails the test when it throws nothing. */
export function answerTo(fn: () => unknown): {
  status: number;
  body: { error: string; fields?: { field: string; message: string }[]; [k: string]: unknown };
} {
  let thrown: unknown;
  try {
    fn();
  } catch (err: unknown) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected the call to throw');
  const res = toResponse(thrown);
  return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) };
}
