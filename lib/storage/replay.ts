import type { RingEntry } from '../domain/entry';
import type { ObservedOp } from '../domain/op';
import { log } from '../platform/log';
import { gunzipCompacted } from './compacted-codec';
import { isCompactedKey } from './keys';
import { decodeSegment } from './segment-codec';

/** Logs and drops what replay could not use; returns the ops that apply. */
export function replaySegment(key: string, text: string): ObservedOp[] {
  const { ops, skipped } = decodeSegment(text);
  for (const s of skipped)
    log.warn('replay skipped a line', { key, line: s.line, reason: s.reason });
  if (ops.length === 0 && skipped.length === 0) {
    log.warn('replay skipped a segment', { key, reason: 'the segment holds no lines' });
  }
  return ops;
}

/**
 * The entries a stored object holds: a segment's ops at their line, or a
 * compacted hour's ops at their original key and line. What cannot be read
 * is logged and dropped.
 */
export function replayObject(key: string, body: Uint8Array | string): RingEntry[] {
  if (!isCompactedKey(key)) {
    const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf-8');
    return replaySegment(key, text).map((op, line) => ({ key, line, op }));
  }
  const decoded = gunzipCompacted(typeof body === 'string' ? Buffer.from(body) : body);
  if ('error' in decoded) {
    log.warn('compacted object unreadable; skipped', { key, reason: decoded.error });
    return [];
  }
  for (const s of decoded.skipped)
    log.warn('replay skipped a line', { key, line: s.line, reason: s.reason });
  return decoded.entries;
}
