// Which key a request came with, for its log line: set when the key is
// known, read by the handler wrapper. Only the fingerprint, never the key.
const callers = new WeakMap<object, string>();

/** Notes the fingerprint of the key the request was admitted (or refused a scope) with. */
export function noteCaller(event: object, fingerprint: string): void {
  callers.set(event, fingerprint);
}

/** The fingerprint of the request's key, when it was a known one. */
export function callerOf(event: object): string | undefined {
  return callers.get(event);
}
