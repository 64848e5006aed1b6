/** The token that stands for a variable part of a message. */
export const WILDCARD = '<*>';

// Characters peeled off either end of a token before its core is classified,
// and put back around the mask: brackets, quotes and sentence punctuation.
const LEADING = '([{<\'"`';
const TRAILING = ')]}>\'"`,;:.!?';

// A number in any of its usual shapes: integers, decimals, signed, grouped or
// dotted runs of digits (versions, IPv4 with a port, dates, times), with an
// optional exponent and a short unit glued on (12ms, 3.5KB, 100%).
const NUMBER = /^[-+~]?\d+(?:[-.,:/_]\d+)*(?:[eE][-+]?\d+)?(?:[A-Za-z%µ]{1,3})?$/;
// Hex values: 0x-prefixed, or a long run of hex digits holding a digit.
const HEX = /^(?:0[xX][0-9a-fA-F]+|(?=[a-fA-F]*\d)[0-9a-fA-F]{8,})$/;
// Groups of hex digits joined by separators: IPv6, MAC addresses, UUIDs.
const HEX_GROUPS = /^[0-9a-fA-F]+(?:[-:.][0-9a-fA-F]*){2,}$/;
// A host name (two dots or more) or a host with a port.
const HOST = /^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+){2,}(?::\d+)?$|^[A-Za-z0-9.-]+\.[A-Za-z0-9-]+:\d+$/;
const URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;
// An absolute path of two segments or more, alone or as the value of `key=`/`key:`.
const PATH = /(?:^|(?<=[=:]))(?:~|\.{1,2})?\/[^/]+\/.*$/;
const EMBEDDED_URL = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s,;'"(){}[\]<>]*/g;
// IPv6 addresses, MAC addresses and clock times inside a longer token.
const COLON_GROUPS =
  /(?<![0-9A-Za-z])(?=[0-9a-fA-F:]*\d)(?:[0-9a-fA-F]{0,4}:){2,7}[0-9a-fA-F]{1,4}(?![0-9A-Za-z])/g;
// Inside a mixed token: a run of digits (signed after a non-alphanumeric) or
// of eight hex digits or more.
const DIGIT_RUN = /(?:(?<![A-Za-z0-9])[-+])?(?:0[xX][0-9a-fA-F]+|[0-9a-fA-F]{8,}|\d+)/g;
// Wildcards joined by separators collapse into one.
const JOINED_WILDCARDS = /<\*>(?:[-.,:/_]+<\*>)+/g;

// Words that, after a number, are part of the same quantity.
const UNITS = new Set([
  ...['byte', 'bytes', 'kb', 'mb', 'gb', 'tb', 'kib', 'mib', 'gib'],
  ...['ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'second', 'seconds', 'min', 'mins'],
  ...['minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'day', 'days', '%'],
  ...['millisecond', 'milliseconds', 'microseconds', 'nanoseconds', 'percent'],
]);

interface Piece {
  lead: string;
  core: string;
  trail: string;
  /** The core was a quantity: a number, with its unit once joined. */
  quantity: boolean;
}

function splitPunctuation(raw: string): [string, string, string] {
  let start = 0;
  let end = raw.length;
  while (start < end && LEADING.includes(raw[start] as string)) start++;
  while (end > start && TRAILING.includes(raw[end - 1] as string)) end--;
  return [raw.slice(0, start), raw.slice(start, end), raw.slice(end)];
}

function hasDigit(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function variable(lead: string, trail: string, quantity: boolean): Piece {
  return { lead, core: WILDCARD, trail, quantity };
}

/** Masks the variable parts of one whitespace-free token. */
function maskToken(raw: string): Piece {
  const [lead, core, trail] = splitPunctuation(raw);
  const digit = hasDigit(core);
  if (digit && NUMBER.test(core)) {
    // A comparison sign belongs to the quantity: `<1 sec`, `>100ms`.
    return variable(lead.replace(/[<>]$/, ''), trail, true);
  }
  if (URL.test(core) || (digit && (HEX.test(core) || HEX_GROUPS.test(core) || HOST.test(core)))) {
    return variable(lead, trail, false);
  }
  if (!digit && !core.includes('/')) return { lead, core, trail, quantity: false };
  let masked = core.replace(EMBEDDED_URL, WILDCARD).replace(PATH, WILDCARD);
  if (digit) {
    const eq = masked.indexOf('=');
    if (eq > 0 && hasDigit(masked.slice(eq + 1))) {
      // key=value: a value holding a digit is data, whatever its shape.
      masked = `${masked.slice(0, eq + 1)}${WILDCARD}`;
    }
    masked = masked.replace(COLON_GROUPS, WILDCARD).replace(DIGIT_RUN, WILDCARD);
    masked = masked.replace(JOINED_WILDCARDS, WILDCARD);
  }
  return { lead, core: masked, trail, quantity: false };
}

function unitTrail(raw: string): string | undefined {
  const [, core, trail] = splitPunctuation(raw);
  return UNITS.has(core.toLowerCase()) ? trail : undefined;
}

const text = (piece: Piece): string => `${piece.lead}${piece.core}${piece.trail}`;

/** A bracketed quantity, `(13.9 KB)`, that restates the quantity before it. */
function restates(piece: Piece, previous: Piece | undefined): boolean {
  if (!previous?.quantity || !piece.quantity) return false;
  const open = piece.lead[0];
  return (open === '(' && piece.trail.includes(')')) || (open === '[' && piece.trail.includes(']'));
}

/**
 * Splits a message on whitespace and masks its variable parts: numbers (with
 * their unit), hex values, addresses, host names, URLs, digit-bearing values
 * of key=value pairs, and digit runs inside other tokens. A bracketed
 * quantity right after a quantity restates it and is dropped; a run of equal
 * variable tokens (a list) becomes one.
 */
export function tokenize(message: string): string[] {
  const raw = message.split(/\s+/);
  const out: string[] = [];
  let previous: Piece | undefined;
  for (let i = 0; i < raw.length; i++) {
    const word = raw[i] as string;
    if (word === '') continue;
    const piece = maskToken(word);
    const next = raw[i + 1];
    const trail = piece.quantity && next !== undefined ? unitTrail(next) : undefined;
    if (trail !== undefined) {
      piece.trail = trail;
      i++;
    }
    if (restates(piece, previous)) continue;
    const token = text(piece);
    if (token === out[out.length - 1] && token.includes(WILDCARD)) continue;
    out.push(token);
    previous = piece;
  }
  return out;
}
