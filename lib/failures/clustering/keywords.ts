/**
 * Words that name a state or an option rather than carry data: capitalised
 * and upper-case words (GET, Started, ACTION_UP) and literals. Log lines
 * tell events apart by them, so they are neither masked when quoted nor
 * counted as evidence of a variable.
 */
export const KEYWORD_SOURCE =
  '(?:[A-Z][A-Za-z]*|[A-Z][A-Z0-9_]+|true|false|null|nil|none|yes|no|on|off)';
