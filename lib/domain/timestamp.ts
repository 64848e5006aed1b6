/**
 * The parts of an RFC 3339 timestamp with its seconds and offset (the shape
 * the op schema accepts), in either case: `T`/`t`, `Z`/`z`, any number of
 * fraction digits.
 */
const RFC3339_PARTS =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The latest instant written with a four-digit year: 9999-12-31T23:59:59.999Z. */
const MAX_MS = 253_402_300_799_999;
/** The earliest: 0000-01-01T00:00:00.000Z. */
const MIN_MS = -62_167_219_200_000;

/**
 * The instant an RFC 3339 timestamp names, as UTC with milliseconds
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`, what `Date.prototype.toISOString` writes);
 * digits past the millisecond are dropped. Undefined for text of another
 * shape and for an instant whose UTC year has not four digits. Assumes a
 * calendar-valid date (the op schema checks that first).
 */
export function normalizeTimestamp(text: string): string | undefined {
  const m = RFC3339_PARTS.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', sign, offH, offM] = m;
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  at.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  at.setUTCHours(
    Number(hour),
    Number(minute),
    Number(second),
    Number(fraction.padEnd(3, '0').slice(0, 3)),
  );
  const offsetMinutes = sign ? (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM)) : 0;
  const ms = at.getTime() - offsetMinutes * 60_000;
  if (ms < MIN_MS || ms > MAX_MS) return undefined;
  return new Date(ms).toISOString();
}
