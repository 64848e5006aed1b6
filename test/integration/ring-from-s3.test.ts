import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { seededRandom } from '../../dev/random';
import { mapLimit } from '../../lib/platform/concurrency';
import { HOUR_MS, segmentKey } from '../../lib/storage/keys';
import { VOID_METADATA } from '../../lib/storage/s3-errors';
import { S3SegmentStore } from '../../lib/storage/s3-store';
import { MAX_LINE_BYTES, MAX_SEGMENT_BYTES } from '../../lib/storage/segment-codec';
import { clearCounts, freshContainer, warmPair } from '../support/container';
import { bodyOf, getStats, postOp } from '../support/events';
import { captureLogs, type Logs } from '../support/logs';
import { nthOp, statsAnswerOf } from '../support/ops';
import { putText, rawClient, uniquePrefix } from '../support/s3';

const s3 = rawClient();
afterAll(() => s3.destroy());

/** A writer that is not a container under test: another Lambda, or a broken one. */
function otherWriter(prefix: string) {
  return new S3SegmentStore(s3, inject('s3Bucket'), prefix);
}

describe('cold start from S3', () => {
  it('keeps the newest 2000 of 2010 ops', async () => {
    const prefix = uniquePrefix('ring-2010');
    const writer = await freshContainer({ OBSERVER_PREFIX: prefix });
    const acked = await mapLimit(
      Array.from({ length: 2010 }, (_, i) => i),
      32,
      async (i) => {
        const res = await writer.event(postOp(nthOp(i)));
        return { status: res.statusCode, key: String(bodyOf(res).key), op: nthOp(i) };
      },
    );
    expect(acked.filter((a) => a.status === 201)).toHaveLength(2010);
    // The ring holds the newest 2000 by key order.
    const kept = [...acked].sort((x, y) => (x.key < y.key ? -1 : 1)).slice(-2000);

    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    const stats = bodyOf(await cold.stats(getStats()));

    expect(stats.total).toBe(2000);
    expect(stats).toEqual(statsAnswerOf(kept.map((k) => k.op)));
    // Reads stop once the ring is full; the ones already in flight (at most 16) finish.
    expect(cold.requests.GetObjectCommand).toBeGreaterThanOrEqual(2000);
    expect(cold.requests.GetObjectCommand).toBeLessThanOrEqual(2000 + 16);
  });

  it('finds segments in older hour partitions and beyond the horizon, in key order', async () => {
    const prefix = uniquePrefix('ring-old');
    const writer = otherWriter(prefix);
    const now = Date.now();
    await writer.append([nthOp(1, { endpoint: 'ten-days-ago' })], new Date(now - 240 * HOUR_MS));
    await writer.append([nthOp(2, { endpoint: 'three-hours-ago' })], new Date(now - 3 * HOUR_MS));
    await writer.append([nthOp(3, { endpoint: 'now', source: 'scenario' })], new Date(now));

    const cold = await freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_COLD_START_HOURS: '48' });
    const stats = bodyOf(await cold.stats(getStats()));

    expect(stats.total).toBe(3);
    const ring = [...(await cold.runtime.getObserver().load()).ring].map((e) => e.op.endpoint);
    expect(ring).toEqual(['ten-days-ago', 'three-hours-ago', 'now']);
  });

  it('skips malformed, invalid and truncated lines and applies exactly the valid ops', async () => {
    const prefix = uniquePrefix('ring-corrupt');
    const at = new Date();
    const valid = (n: number) => JSON.stringify(nthOp(n, { timestamp: at.toISOString() }));
    await putText(
      s3,
      `${prefix}${segmentKey(at, 'mixed0')}`,
      [
        valid(1),
        'not json at all',
        JSON.stringify({ success: true }),
        valid(2),
        '{"endpoint": "cut',
      ].join('\n'),
    );
    await putText(s3, `${prefix}${segmentKey(at, 'trunc0')}`, valid(4).slice(0, 20));
    await putText(s3, `${prefix}${segmentKey(at, 'good00')}`, `${valid(5)}\n`);
    const logs = captureLogs('warn');

    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    const stats = bodyOf(await cold.stats(getStats()));

    expect(stats.total).toBe(3);
    const warnings = logs.texts('warn');
    expect(warnings.filter((w) => w.includes('replay skipped a line'))).toHaveLength(4);
    expect(warnings.some((w) => w.includes('mixed0') && w.includes('"line":2'))).toBe(true);
    expect(warnings.some((w) => w.includes('mixed0') && w.includes('"line":3'))).toBe(true);
    expect(warnings.some((w) => w.includes('trunc0') && w.includes('"line":1'))).toBe(true);
  });
});

describe('corrupt storage', () => {
  const at = () => new Date();
  const valid = (endpoint: string) =>
    JSON.stringify({ endpoint, success: true, source: 'mcp', timestamp: at().toISOString() });
  /** Seeded bytes with no newline among them: one line of garbage. */
  const garbage = (n: number) => {
    const random = seededRandom(7);
    const bytes = Array.from({ length: n }, () => Math.floor(random() * 256));
    return Buffer.from(bytes.map((b) => (b === 0x0a ? 0x20 : b)));
  };
  const warningsAbout = (logs: Logs, suffix: string) =>
    logs.json('warn').filter((w) => String(w.key ?? '').includes(suffix));

  it('skips each kind of corruption with a warning naming key and line, and applies the rest', async () => {
    const prefix = uniquePrefix('corrupt');
    const put = (suffix: string, body: string | Buffer) =>
      putText(s3, `${prefix}${segmentKey(at(), suffix)}`, body);
    await put('good01', `${valid('good-1')}\n`);
    await put('bytes0', garbage(4096));
    await put('empty0', '');
    await put('long00', `"${'x'.repeat(MAX_LINE_BYTES)}"\n${valid('after-long-line')}\n`);
    await put(
      'shape0',
      [
        '[1,2,3]',
        '"just a string"',
        'null',
        JSON.stringify({ endpoint: 5, timestamp: at().toISOString() }),
        JSON.stringify({ endpoint: 'no-timestamp' }),
        valid('after-wrong-shapes'),
      ].join('\n'),
    );
    // Over the segment limit, though every line in it is a valid op: skipped unread.
    const line = `${valid('in-huge-object')}\n`;
    await put('huge00', line.repeat(Math.ceil((MAX_SEGMENT_BYTES + 1) / line.length)));
    await s3.send(
      new PutObjectCommand({
        Bucket: inject('s3Bucket'),
        Key: `${prefix}${segmentKey(at(), 'void00')}`,
        Body: '',
        Metadata: VOID_METADATA,
      }),
    );
    await put('good02', `${valid('good-2')}\n`);
    const logs = captureLogs('warn');

    const cold = await freshContainer({ OBSERVER_PREFIX: prefix });
    const res = await cold.stats(getStats());

    expect(res.statusCode).toBe(200);
    const ring = [...(await cold.runtime.getObserver().load()).ring].map((e) => e.op.endpoint);
    expect(ring).toEqual(['good-1', 'after-long-line', 'after-wrong-shapes', 'good-2']);
    const lines = (suffix: string) => warningsAbout(logs, suffix).map((w) => w.line);
    expect(lines('bytes0')).toEqual([1]);
    expect(lines('long00')).toEqual([1]);
    expect(lines('shape0')).toEqual([1, 2, 3, 4, 5]);
    expect(warningsAbout(logs, 'empty0')).toEqual([
      expect.objectContaining({ message: 'replay skipped a segment', reason: expect.any(String) }),
    ]);
    expect(warningsAbout(logs, 'huge00')).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/limit is 16777216/) }),
    ]);
    expect(warningsAbout(logs, 'void00')).toEqual([]);
  });

  it('skips a corrupt segment found by a warm refresh and applies the good one beside it', async () => {
    const prefix = uniquePrefix('corrupt-warm');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix });
    await c.stats(getStats());
    await putText(s3, `${prefix}${segmentKey(at(), 'bytes1')}`, garbage(512));
    await putText(s3, `${prefix}${segmentKey(at(), 'good03')}`, `${valid('good-3')}\n`);
    const logs = captureLogs('warn');

    const res = await c.stats(getStats());

    expect(res.statusCode).toBe(200);
    expect(bodyOf(res).total).toBe(1);
    expect(warningsAbout(logs, 'bytes1').map((w) => w.line)).toEqual([1]);
  });
});

describe('warm containers', () => {
  it('two containers writing alternately report the same stats after a refresh', async () => {
    const prefix = uniquePrefix('two');
    // Both load their (empty) rings first, so every later op reaches them warm.
    const [a, b] = await warmPair({ OBSERVER_PREFIX: prefix });
    for (let i = 0; i < 20; i++) {
      const res = await (i % 2 === 0 ? a : b).event(postOp(nthOp(i)));
      expect(res.statusCode).toBe(201);
    }

    const fromA = bodyOf(await a.stats(getStats()));
    const fromB = bodyOf(await b.stats(getStats()));

    expect(fromA.total).toBe(20);
    expect(fromB).toEqual(fromA);
  });

  it('picks up a late-finishing write whose key is older than the watermark', async () => {
    const prefix = uniquePrefix('late');
    const reader = await freshContainer({ OBSERVER_PREFIX: prefix, OBSERVER_SKEW_MS: '30000' });
    await reader.event(postOp(nthOp(1)));
    expect(bodyOf(await reader.stats(getStats())).total).toBe(1);
    // Another container received this op 5 s ago; its PUT only finishes now.
    await otherWriter(prefix).append([nthOp(2)], new Date(Date.now() - 5_000));

    const stats = bodyOf(await reader.stats(getStats()));

    expect(stats.total).toBe(2);
  });

  it('never applies its own write twice when a refresh also lists it', async () => {
    const prefix = uniquePrefix('own');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix });
    await c.stats(getStats());
    await c.event(postOp(nthOp(1)));
    await c.event(postOp(nthOp(2)));

    const first = bodyOf(await c.stats(getStats()));
    const second = bodyOf(await c.stats(getStats()));

    expect(first.total).toBe(2);
    expect(second.total).toBe(2);
  });
});

describe('S3 requests per call', () => {
  it('a POST costs exactly one PutObject', async () => {
    const c = await freshContainer({ OBSERVER_PREFIX: uniquePrefix('cost-post') });

    const res = await c.event(postOp(nthOp(1)));

    expect(res.statusCode).toBe(201);
    expect(c.requests).toEqual({ PutObjectCommand: 1 });
  });

  it('a warm stats call with nothing new costs one list call and no GetObject', async () => {
    const prefix = uniquePrefix('cost-stats');
    const c = await freshContainer({ OBSERVER_PREFIX: prefix });
    for (let i = 0; i < 5; i++) await c.event(postOp(nthOp(i)));
    await c.stats(getStats());
    clearCounts(c.requests);

    const res = await c.stats(getStats());

    expect(bodyOf(res).total).toBe(5);
    expect(c.requests).toEqual({ ListObjectsV2Command: 1 });
  });
});
