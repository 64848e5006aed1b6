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

/** Skips a run of digits or a wildcard at `i`; answers where it ends, or `i` if none starts there. */
function skipNumber(text: string, i: number): number {
  if (text.startsWith(WILDCARD, i)) return i + WILDCARD.length;
  let j = i;
  while (j < text.length && isDigit(text.charCodeAt(j))) j++;
  return j;
}

/**
 * True when two different tokens are the same word with other numbers (or
 * masked values) in the same places: `t42`/`t7`, `rdd_42_20`/`rdd_7_3`,
 * `node-12`/`node-<*>`. Such a difference is a value, not another event.
 */
export function sameButNumbers(a: string, b: string): boolean {
  let i = 0;
  let j = 0;
  let numbers = 0;
  while (i < a.length && j < b.length) {
    const ai = skipNumber(a, i);
    const bj = skipNumber(b, j);
    if (ai > i && bj > j) {
      numbers++;
      i = ai;
      j = bj;
    } else if (a.charCodeAt(i) === b.charCodeAt(j)) {
      i++;
      j++;
    } else {
      return false;
    }
  }
  return numbers > 0 && i === a.length && j === b.length;
}

/** True when two tokens are the same word with other numbers in it, and no keyword (`IPV4`/`IPV6`). */
export function differsInNumbers(a: string, b: string): boolean {
  return sameButNumbers(a, b) && !isKeyword(a) && !isKeyword(b);
}

/**
 * True when a difference between two tokens at one position is itself
 * evidence of a value: the same word with other numbers in it, or a masked
 * value against a word that is no keyword (`(<*>)` against `()`).
 */
export function isValueDifference(a: string, b: string): boolean {
  if (differsInNumbers(a, b)) return true;
  return (isMasked(a) || isMasked(b)) && !isKeyword(a) && !isKeyword(b);
}
