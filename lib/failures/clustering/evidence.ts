import { KEYWORD_SOURCE } from './keywords';
import { WILDCARD } from './tokenize';

const KEYWORD = new RegExp(`^${KEYWORD_SOURCE}$`);

/** True for a keyword, alone or as the value of a `key=`/`key:` pair, punctuation aside. */
export function isKeyword(token: string): boolean {
  const core = token.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  const value = core.slice(Math.max(core.lastIndexOf('='), core.lastIndexOf(':')) + 1);
  return KEYWORD.test(core) || KEYWORD.test(value);
}

/** True for a wildcard with at most punctuation around it: `<*>`, `(<*>)`, `"<*>",`. */
export function isMasked(token: string): boolean {
  const at = token.indexOf(WILDCARD);
  if (at < 0) return false;
  for (let i = 0; i < token.length; i++) {
    if (i >= at && i < at + WILDCARD.length) continue;
    const c = token.charCodeAt(i);
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (alnum) return false;
  }
  return true;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlnum = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** Where a run of characters matching `test` that starts at `i` ends (`i` if none). */
function skip(text: string, i: number, test: (c: number) => boolean): number {
  let j = i;
  while (j < text.length && test(text.charCodeAt(j))) j++;
  return j;
}

/**
 * Where the value that starts at `a[i]`, against `b[j]`, ends in each: a
 * number against a number or a masked value, a masked value against a
 * run of letters and digits. Undefined if no value starts there.
 */
function valueEnds(a: string, i: number, b: string, j: number): [number, number] | undefined {
  const aMasked = a.startsWith(WILDCARD, i);
  const bMasked = b.startsWith(WILDCARD, j);
  if (aMasked && bMasked) return [i + WILDCARD.length, j + WILDCARD.length];
  if (aMasked || bMasked) {
    const ai = aMasked ? i + WILDCARD.length : skip(a, i, isAlnum);
    const bj = bMasked ? j + WILDCARD.length : skip(b, j, isAlnum);
    return ai > i && bj > j ? [ai, bj] : undefined;
  }
  const ai = skip(a, i, isDigit);
  const bj = skip(b, j, isDigit);
  return ai > i && bj > j ? [ai, bj] : undefined;
}

/**
 * True when two different tokens are the same word with other values in the
 * same places: other numbers (`t42`/`t7`, `rdd_42_20`/`rdd_7_3`), or a
 * masked value where the other has letters or digits (`node-<*>`/`node-D1`,
 * `Token{<*>`/`Token{bdffbad`). Such a difference is a value, not another
 * event.
 */
export function sameButValues(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let values = 0;
  while (i < a.length && j < b.length) {
    const ends = valueEnds(a, i, b, j);
    if (ends) {
      values++;
      [i, j] = ends;
    } else if (a.charCodeAt(i) === b.charCodeAt(j)) {
      i++;
      j++;
    } else {
      return false;
    }
  }
  return values > 0 && i === a.length && j === b.length;
}

// A masked value is content, not punctuation, when telling a keyword.
const asContent = (token: string) => token.replaceAll(WILDCARD, 'v');

/**
 * True when two tokens are the same word with other values in it, and no
 * keyword: `IPV4`/`IPV6` name two things.
 */
export function differsInValues(a: string, b: string): boolean {
  return sameButValues(a, b) && !isKeyword(asContent(a)) && !isKeyword(asContent(b));
}

/**
 * True when a difference between two tokens at one position is itself
 * evidence of a value: the same word with other values in it, or a masked
 * value against a word that is no keyword (`(<*>)` against `()`).
 */
export function isValueDifference(a: string, b: string): boolean {
  if (differsInValues(a, b)) return true;
  return (isMasked(a) || isMasked(b)) && !isKeyword(a) && !isKeyword(b);
}
