import { MARK_CLASS, Masker, QUANTITY_MARK, VALUE_MARK } from './masking';

/** The token that stands for a variable part of a message. */
export const WILDCARD = '<*>';

// Characters peeled off either end of a token to see its core: brackets,
// quotes and sentence punctuation.
const LEADING = '([{<\'"`';
const TRAILING = ')]}>\'"`,;:.!?';

// Masked values joined by separators, or glued together, are one value.
const JOINED_MARKS = new RegExp(`${MARK_CLASS}(?:[-.,:/_+]*${MARK_CLASS})+`, 'g');
const ANY_MARK = new RegExp(MARK_CLASS, 'g');

// Words that, after a number, are part of the same quantity (compared in
// lower case; `B` for bytes is the one unit that must be upper case).
const UNITS = new Set([
  ...['byte', 'bytes', 'kb', 'mb', 'gb', 'tb', 'kib', 'mib', 'gib', 'tib'],
  ...['ns', 'us', 'µs', 'ms', 's', 'sec', 'secs', 'second', 'seconds', 'min', 'mins'],
  ...['minute', 'minutes', 'h', 'hr', 'hrs', 'hour', 'hours', 'day', 'days', '%'],
  ...['millisecond', 'milliseconds', 'microseconds', 'nanoseconds', 'percent'],
]);

const masker = new Masker();

interface Piece {
  lead: string;
  core: string;
  trail: string;
  /** The core is a quantity: a number, with its unit once joined. */
  quantity: boolean;
}

function splitPunctuation(raw: string): [string, string, string] {
  let start = 0;
  let end = raw.length;
  while (start < end && LEADING.includes(raw[start] as string)) start++;
  while (end > start && TRAILING.includes(raw[end - 1] as string)) end--;
  return [raw.slice(0, start), raw.slice(start, end), raw.slice(end)];
}

/** A marked word as a piece: its marks become wildcards. */
function piece(word: string): Piece {
  const [lead, core, trail] = splitPunctuation(word);
  if (core.length === 1 && (core === QUANTITY_MARK || core === VALUE_MARK)) {
    return { lead, core: WILDCARD, trail, quantity: core === QUANTITY_MARK };
  }
  const masked = core.replace(JOINED_MARKS, VALUE_MARK).replace(ANY_MARK, WILDCARD);
  return { lead, core: masked, trail, quantity: false };
}

function unitTrail(raw: string): string | undefined {
  const [, core, trail] = splitPunctuation(raw);
  return core === 'B' || UNITS.has(core.toLowerCase()) ? trail : undefined;
}

const text = (p: Piece): string => `${p.lead}${p.core}${p.trail}`;

/** A bracketed quantity, `(13.9 KB)`, that restates the quantity before it. */
function restates(p: Piece, previous: Piece | undefined): boolean {
  if (!previous?.quantity || !p.quantity) return false;
  const open = p.lead[0];
  return (open === '(' && p.trail.includes(')')) || (open === '[' && p.trail.includes(']'));
}

/**
 * Masks the variable parts of a message with the rules of MASK_RULES
 * (./masking.ts), then splits it on whitespace. A masked value is `<*>`;
 * values joined by separators (`<*>:<*>`) are one. A number followed by a
 * unit word (`474 bytes`) is one value, a bracketed quantity right after a
 * quantity restates it and is dropped, and a run of equal tokens holding a
 * wildcard (a list: `blk_<*> blk_<*>`) is one token. So one event keeps one
 * token count, whatever its values.
 */
export function tokenize(message: string): string[] {
  const raw = masker.mark(message).split(/\s+/);
  const out: string[] = [];
  let previous: Piece | undefined;
  for (let i = 0; i < raw.length; i++) {
    const word = raw[i] as string;
    if (word === '') continue;
    if (!word.includes(VALUE_MARK) && !word.includes(QUANTITY_MARK)) {
      // Nothing masked: the word is its own token, and no quantity.
      out.push(word);
      previous = undefined;
      continue;
    }
    const p = piece(word);
    const next = raw[i + 1];
    const trail = p.quantity && next !== undefined ? unitTrail(next) : undefined;
    if (trail !== undefined) {
      p.trail = trail;
      i++;
    }
    if (restates(p, previous)) continue;
    const token = text(p);
    if (token === out[out.length - 1]) continue;
    out.push(token);
    previous = p;
  }
  return out;
}
