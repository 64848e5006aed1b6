import { describe, expect, it } from 'vitest';
import { handler as event } from '../../../handlers/event';
import { resetRuntime } from '../../../lib/app/runtime';
import { parseOp } from '../../../lib/domain/op';
import { decodeCompacted, encodeCompacted } from '../../../lib/storage/compacted-codec';
import { decodeSegment, encodeSegment } from '../../../lib/storage/segment-codec';
import { httpEvent } from '../../support/events';
import { MemorySegmentStore } from '../../support/memory-store';

const JSON_TYPE = { 'content-type': 'application/json' };

// A client may send any field name; those that name prototype members are data.
const SENT =
  '{"endpoint":"x","__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},' +
  '"prototype":"y","success":true,"timestamp":"2026-11-24T21:00:00.000Z","source":"mcp"}';

function parsed() {
  const result = parseOp(JSON.parse(SENT), new Date());
  if (!result.ok) throw new Error('the fixture must be a valid op');
  return result.op;
}

describe('op fields named __proto__, constructor and prototype', () => {
  it('are kept as sent, as own fields, in their order', () => {
    const op = parsed();

    expect(JSON.stringify(op)).toBe(SENT);
    expect(Object.getPrototypeOf(op)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('read back from a segment and from a compacted hour as they were written', () => {
    const [fromSegment] = decodeSegment(encodeSegment([parsed()])).ops;
    const key = 'ops/2026/11/24/21/20261124T210000000Z-a.jsonl';
    const [fromHour] = decodeCompacted(encodeCompacted([{ key, line: 0, op: parsed() }])).entries;

    expect(JSON.stringify(fromSegment)).toBe(SENT);
    expect(JSON.stringify(fromHour?.op)).toBe(SENT);
    expect(Object.getPrototypeOf(fromHour?.op)).toBe(Object.prototype);
  });

  it('are stored as sent by POST /observer/event', async () => {
    const store = new MemorySegmentStore();
    resetRuntime({ store });

    const res = await event(
      httpEvent({ method: 'POST', path: '/observer/event', body: SENT, headers: JSON_TYPE }),
    );

    expect(res.statusCode).toBe(201);
    const [stored] = [...store.objects.values()];
    expect(String(stored)).toBe(`${SENT}\n`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
