import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeTimestamp } from '../../../lib/domain/timestamp';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** An instant written as RFC 3339 at a UTC offset, with the given fraction digits and case. */
function rfc3339(ms: number, offsetMinutes: number, fraction: string, lower: boolean): string {
  const local = new Date(ms + offsetMinutes * 60_000);
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const abs = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0 && !lower
      ? 'Z'
      : offsetMinutes === 0
        ? 'z'
        : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  const text = `${date}T${time}${fraction === '' ? '' : `.${fraction}`}${zone}`;
  return lower ? text.toLowerCase() : text;
}

describe('normalizeTimestamp', () => {
  it('writes any RFC 3339 form of an instant as that instant in UTC, truncated to the millisecond', () => {
    const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) });
    const offset = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    // Sub-millisecond digits the client may add beyond the instant's own milliseconds.
    const extra = fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 6 });

    fc.assert(
      fc.property(
        instant,
        offset,
        extra,
        fc.boolean(),
        fc.boolean(),
        (ms, off, more, lower, noMs) => {
          const whole = ms - (((ms % 1000) + 1000) % 1000);
          const at = noMs ? whole : ms;
          const fraction = noMs ? '' : `${pad(((at % 1000) + 1000) % 1000, 3)}${more}`;

          const normalized = normalizeTimestamp(rfc3339(at, off, fraction, lower));

          expect(normalized).toBe(new Date(at).toISOString());
        },
      ),
      { seed: 20_261_124, numRuns: 2_000 },
    );
  });

  it.each([
    ['a year below 100', '0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000Z'],
    ['an offset that crosses a leap day', '2024-02-29T23:30:00-01:00', '2024-03-01T00:30:00.000Z'],
    [
      'nine fraction digits (truncated, not rounded)',
      '2026-12-31T23:59:59.999999999+00:00',
      '2026-12-31T23:59:59.999Z',
    ],
    ['one fraction digit', '2026-11-24T21:15:03.5Z', '2026-11-24T21:15:03.500Z'],
  ])('handles %s', (_label, sent, utc) => {
    expect(normalizeTimestamp(sent)).toBe(utc);
  });

  it.each([
    ['a UTC year before 0000', '0000-01-01T00:30:00+01:00'],
    ['a UTC year after 9999', '9999-12-31T23:30:00-01:00'],
    ['no offset', '2026-11-24T21:15:03'],
    ['no seconds', '2026-11-24T21:15Z'],
    ['a space for T', '2026-11-24 21:15:03Z'],
  ])('gives nothing for %s', (_label, sent) => {
    expect(normalizeTimestamp(sent)).toBeUndefined();
  });
});
