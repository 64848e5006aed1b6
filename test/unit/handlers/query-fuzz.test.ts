import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as failures } from '../../../handlers/failures';
import { handler as ops } from '../../../handlers/ops';
import { resetRuntime } from '../../../lib/app/runtime';
import { encodeCursor } from '../../../lib/ring/ops-query';
import { segmentKey } from '../../../lib/storage/keys';
import { httpEvent } from '../../support/events';
import { MemorySegmentStore } from '../../support/memory-store';
import { op } from '../../support/ops';

// Property test: whatever query a client sends to GET /observer/ops or
// GET /observer/failures, the answer is a JSON 200 or a 400 that names a
// parameter, never a 500.

const RUNS = 2_000;
const SEED = 20_261_201;
const NAMES = [
  'success',
  'source',
  'endpoint',
  'staffer_id',
  'event_kind',
  'since',
  'until',
  'limit',
  'cursor',
  'hours',
  '__proto__',
  'constructor',
];

const value = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('true', 'false', '*', 'tools/*', '0', '1', '500', '501', '-1', '1e2', ''),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.nat().map((n) => encodeCursor({ key: segmentKey(new Date(n), 'x'), line: n % 7 })),
  fc.base64String({ maxLength: 40 }),
);
const query = fc.dictionary(
  fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 8 })),
  value,
  {
    maxKeys: 5,
  },
);

describe('the query routes under arbitrary queries', () => {
  beforeAll(async () => {
    const store = new MemorySegmentStore();
    resetRuntime({ store });
    await store.append(
      [op('tools/call', { success: false, error: 'boom 1' }), op('tools/list')],
      new Date(),
    );
  });

  it.each([
    ['/observer/ops', ops],
    ['/observer/failures', failures],
  ] as const)('%s answers 200 or a 400 naming the parameters', async (path, handler) => {
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const res = await handler(httpEvent({ path, query: q }));
        const body = JSON.parse(res.body ?? 'null');
        expect([200, 400]).toContain(res.statusCode);
        if (res.statusCode === 400) {
          expect(body.fields.length).toBeGreaterThan(0);
          for (const f of body.fields) expect(Object.keys(q)).toContain(f.field);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
