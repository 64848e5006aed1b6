import { KEYWORD_SOURCE } from './keywords';

/**
 * One masking rule: a named pattern for a kind of value that varies between
 * messages of one event. The rules are tried in order at each position of a
 * message; the first that matches there masks what it matched.
 */
export interface MaskRule {
  /** Kebab-case, unique. */
  readonly name: string;
  /**
   * A regular expression source, without capturing groups. It is tried only
   * where a word starts (not right after a letter or a digit) unless
   * `inWord` is set.
   */
  readonly pattern: string;
  /** Why the rule exists and why it sits where it does. */
  readonly why: string;
  /** The value is a quantity: a unit word after it and a bracketed restatement belong to it. */
  readonly quantity?: boolean;
  /** The rule may match inside a word. Such rules come last. */
  readonly inWord?: boolean;
}

// Where a word starts: not right after a letter or a digit. Every rule but
// the in-word ones is tried only there.
const WORD_START = '(?<![A-Za-z0-9])';
// Not glued to a letter or digit on the right.
const END = '(?![A-Za-z0-9])';
// Joined by `-`, `.`, `_` or `/` to a word that holds a letter: the 3 and 5
// of `claude-3-5-sonnet`, the 3.5 of `gpt-3.5-turbo`, the 8 of `utf-8`, the
// 64 of `x86_64`, the 1.1 of `HTTP/1.1`. (A number glued to letters, the 4 of
// `gpt-4o`, never stands alone.) Bounded, as is every scan a rule makes from
// a position, so the engine's work stays linear in the message's length.
const NAME_BEFORE = '[A-Za-z][A-Za-z0-9]{0,31}(?:[-._/]{1,3}[A-Za-z0-9]{1,32}){0,7}[-._/]{1,3}';
const NAME_AFTER = '[-._/]{1,3}(?:[A-Za-z0-9]{1,32}[-._/]{1,3}){0,7}[0-9]{0,32}[A-Za-z]';
const NOT_IN_NAME_BEFORE = `(?<!${NAME_BEFORE})`;
const NOT_IN_NAME_AFTER = `${END}(?!${NAME_AFTER})`;
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const CLOCK = '\\d{1,2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?';
const ZONE = '(?:\\s?(?:Z|[+-]\\d{2}:?\\d{2}|UTC|GMT|[ECMP][SD]T))?';
// A path or URL segment: anything but whitespace and slashes, not ending in
// closing or sentence punctuation (`(/a/b).` is the path /a/b).
const SEGMENT = '[^\\s/]*[^\\s/)\\]}>\'"`,;:.!?]';
// Units glued to a number: durations, sizes, percent, times (2x) and ordinals (1st).
const UNIT =
  '(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d|B|b|[kKMG]|[KMGTP]i?B|[kmgt]b|bytes?|%|x|st|nd|rd|th)';
const GTLD = '(?:com|net|org|edu|gov|io|ai|dev|cloud|local|localdomain|internal|lan|arpa)';
// Reverse-domain names (Java packages, bundle ids) start with a top-level domain.
const NOT_REVERSE_DOMAIN = '(?!(?:com|org|net|edu|gov|io|java|javax|android|apple)\\.)';
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/**
 * The masking rules, in the order they are tried. Modelled on Sentry's
 * message parameterization (src/sentry/grouping/parameterization.py), with
 * the preprocessing the log-parsing literature applies before Drain
 * (addresses, block ids, paths, numbers), and one principle of our own: a
 * number that is part of a name (`gpt-4o`, `claude-3-5-sonnet`, `utf-8`,
 * `http2`, `ipv6`, `s3`) stays, a number on its own or a long run of digits
 * is data. Each rule has a test in test/unit/failures/clustering/masking.test.ts.
 */
export const MASK_RULES: readonly MaskRule[] = [
  {
    name: 'long-word',
    pattern: '(?<!\\S)\\S{257,}',
    why: 'A word of more than 256 characters is one value: a blob, a token, a compact JSON body, a long URL. First, so the engine never looks inside it: its work per word stays bounded.',
  },
  {
    name: 'url',
    pattern: `[A-Za-z][A-Za-z0-9+.-]*://(?:${SEGMENT})?(?:/+(?:${SEGMENT})?)*/?`,
    why: 'A URL names one resource: scheme, host, path and query are all data. First, so its parts are not masked one by one.',
  },
  {
    name: 'email',
    pattern: `[A-Za-z0-9._%+-]{1,64}@${LABEL}(?:\\.${LABEL}){1,8}${END}`,
    why: 'An address names one mailbox. Before host names, which would take its domain alone.',
  },
  {
    name: 'uuid',
    pattern: `[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}${END}`,
    why: 'Request, task and instance ids. Before dates and numbers, which would split it at its dashes.',
  },
  {
    name: 'iso-datetime',
    pattern: `\\d{4}-\\d{2}-\\d{2}(?:[T ]${CLOCK})?${ZONE}${END}`,
    why: 'ISO 8601 and SQL timestamps, with or without a time and zone: one value, even with the space.',
  },
  {
    name: 'named-datetime',
    pattern: `(?:${WEEKDAY},?\\s+)?(?:${MONTH}\\s+\\d{1,2},?(?:\\s+\\d{4})?|\\d{1,2}[\\s/-]${MONTH}[\\s/-]\\d{2,4}:?)(?:\\s*${CLOCK}(?:\\s+\\d{4})?${ZONE}(?:\\s+\\d{4})?)?${END}`,
    why: 'Dates that spell the month (ctime, syslog, RFC 822, Apache): five tokens of one value. Weekday and month names are capitalised and would otherwise read as event words.',
  },
  {
    name: 'numeric-date',
    pattern: `(?:\\d{4}[/-]\\d{1,2}[/-]\\d{1,2}|\\d{1,2}[/-]\\d{1,2}[/-]\\d{4})(?:[ T:]${CLOCK})?${END}`,
    why: 'Slashed and dashed dates (2024/01/31, 31-01-2024), with a time.',
  },
  {
    name: 'clock-time',
    pattern: `\\d{1,2}:\\d{2}:\\d{2}(?:[.,]\\d+)?(?:\\s?[AaPp][Mm])?${ZONE}(?![A-Za-z0-9:])`,
    why: 'A time of day on its own. Before IPv6, which would read it as hex groups; not followed by another group, which makes it a MAC or IPv6 address.',
  },
  {
    name: 'host-name',
    pattern: `(?<![.-])${NOT_REVERSE_DOMAIN}(?:(?:${LABEL}\\.){1,8}${GTLD}|(?:${LABEL}\\.){2,8}[a-z]{2})(?::\\d{1,5})?${END}(?![.-][A-Za-z0-9])`,
    why: 'A host that ends in a top-level domain (a generic one, or a country code after two labels), with its port. Names starting with `com.`, `org.`… are packages and bundle ids, not hosts.',
  },
  {
    name: 'dotted-name-with-digit',
    pattern: `(?<![.-])${NOT_REVERSE_DOMAIN}(?=[A-Za-z0-9.-]{0,253}[A-Za-z])(?=[A-Za-z.-]{0,253}\\d)${LABEL}(?:\\.${LABEL}){2,8}(?::\\d{1,5})?${END}(?![.-][A-Za-z0-9])|(?=[A-Za-z0-9.-]{0,253}[A-Za-z])${LABEL}(?:\\.${LABEL}){1,8}:\\d{1,5}${END}`,
    why: 'Host names outside the domain list: three labels or more holding a digit (worker-3.pool2.svc), or any dotted name with a port.',
  },
  {
    name: 'ipv4',
    pattern: `(?<!\\.)(?:\\d{1,3}\\.){3}\\d{1,3}(?::\\d{1,5})?(?:/\\d{1,2})?${END}(?!\\.\\d)`,
    why: 'An address, with its port or prefix length: one value, not four numbers.',
  },
  {
    name: 'ipv6-or-mac',
    pattern: `(?=[0-9a-fA-F:]*\\d)(?:[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{0,4}){2,7}|::[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){0,6})(?:%\\w+)?(?![A-Za-z0-9:])|(?:[0-9a-fA-F]{2}-){5}[0-9a-fA-F]{2}${END}`,
    why: 'Colon-separated hex groups: IPv6 and MAC addresses. A digit is required so `Class::method` stays.',
  },
  {
    name: 'unix-path',
    pattern: `(?<![A-Za-z0-9_./~-])(?:~|\\.{1,2})?(?:/+${SEGMENT}){2,}/?`,
    why: 'An absolute path of two segments or more names one file. Not after a word, so `HTTP/1.1` and `linux/amd64` stay.',
  },
  {
    name: 'windows-path',
    pattern: `(?:[A-Za-z]:|\\\\\\\\${LABEL})\\\\[^\\s'"<>|]*`,
    why: 'C:\\dir\\file and \\\\server\\share paths.',
  },
  {
    name: 'quoted-value',
    pattern: `(?<==)(?:'[^']*'|"[^"]*")`,
    why: 'A quoted value of a key=value pair is one value, however many words it holds: tag="View Lock" keeps the message\'s length.',
  },
  {
    name: 'quoted-word',
    pattern: ["'", '"', '`']
      .map(
        (q) => `(?<=(?:^|[\\s(])${q})(?!${KEYWORD_SOURCE}${q})[^\\s'"\`]+(?=${q}(?![A-Za-z0-9:]))`,
      )
      .join('|'),
    why: "A single quoted word set apart in a sentence is a value: service 'sparkDriver', open 'x.ts'. The quotes stay. Not a quoted keyword ('Active'), which names a state, nor a phrase, which may be the message itself, nor JSON: a key (\"type\":) or a value glued to its key (:\"error\") is structure the miner can learn from the data.",
  },
  {
    name: 'hex',
    pattern: `(?:0[xX][0-9a-fA-F]+|(?=[a-fA-F]*\\d)(?=\\d*[a-fA-F])[0-9a-fA-F]{8,})${END}`,
    why: '0x values, and runs of eight hex digits or more mixing digits and letters: hashes, addresses, object ids. (Digits alone are numbers.)',
  },
  {
    name: 'short-hex-id',
    pattern: `(?=[0-9]*[a-fA-F])(?=[a-fA-F]*[0-9])[0-9a-fA-F]{6,7}${END}`,
    why: 'Short git hashes and Java identity hash codes (5f64c3b): six or seven hex digits mixing digits and letters.',
  },
  {
    name: 'random-id',
    pattern: `(?=[A-Za-z0-9]{8,}${END})(?=[A-Za-z]*\\d+[A-Za-z]+\\d+[A-Za-z]+\\d|(?=[A-Za-z0-9]{16,}${END})[A-Za-z]*\\d+[A-Za-z]+\\d)[A-Za-z0-9]+${END}`,
    why: 'Generated ids (request, organisation, session): eight characters or more where digits come back after letters twice (8f3KzP2qLm), or once in sixteen or more. A name holds one number (sha256, x86, http2), a camel-case name rarely three (waitForOk2Go2Sx).',
  },
  {
    name: 'quantity',
    pattern: `${NOT_IN_NAME_BEFORE}(?:(?<![^\\s(\\[])(?:[<>]=?|~))?[-+]?\\d{1,32}(?:[.,]\\d{1,32}){0,16}(?:${UNIT})?(?:\\d{1,32}(?:\\.\\d{1,32})?${UNIT}){0,8}${NOT_IN_NAME_AFTER}`,
    why: 'A number on its own (signed, decimal, grouped, dotted), with a unit glued on (3000ms, 1.5KB, 100%, 2m30s) and a comparison sign before it (<1). Not when it is joined to a word: utf-8, gpt-3.5-turbo.',
    quantity: true,
  },
  {
    name: 'long-number-in-name',
    pattern: `[-+]?\\d{3,}${END}`,
    why: 'Three digits or more joined to a word are a counter or an id, not a version: blk_-1608…, node-131, core.2275, task_2008_0001.',
  },
  {
    name: 'long-digits-in-word',
    pattern: '(?<=[A-Za-z])\\d{4,}|\\d{4,}(?=[A-Za-z])',
    inWord: true,
    why: 'Four digits or more glued to letters are data (user1234, KB2952664); up to three are part of a name (sha256, ipv6, x86).',
  },
];

/**
 * A private-use character standing for a masked value in a marked message
 * (the engine turns any in the input into spaces first).
 */
export const VALUE_MARK = '\uE000';
/** The same, for a masked quantity. */
export const QUANTITY_MARK = '\uE001';
/** Either mark, as a character class. */
export const MARK_CLASS = `[${VALUE_MARK}${QUANTITY_MARK}]`;
const MARKS = new RegExp(MARK_CLASS, 'g');

/**
 * What a word must hold for any rule to match where it starts: a digit, or
 * one of `@ / \ .` and the quotes, within its next 256 characters; or a
 * month or weekday name; or more than 256 characters (a long word). Most
 * plain words fail it at once, sparing the engine twenty alternatives; a
 * rule that matched a word without any of these would be skipped, which the
 * rule tests and the gate test (masking.test.ts) catch.
 */
export const WORD_GATE = `(?=\\S{0,256}?[\\d@/\\\\.'"\`]|\\S{257}|${WEEKDAY}|${MONTH})`;

/** The rules as one alternation, word-start rules behind one shared lookbehind and the gate. */
function alternation(
  rules: readonly MaskRule[],
  gate: string,
  wrap: (rule: MaskRule) => string,
): string {
  const firstInWord = rules.findIndex((r) => r.inWord);
  const atWordStart = firstInWord < 0 ? rules : rules.slice(0, firstInWord);
  const inWord = firstInWord < 0 ? [] : rules.slice(firstInWord);
  if (inWord.some((r) => !r.inWord)) throw new Error('in-word mask rules must come last');
  const parts =
    atWordStart.length > 0 ? [`${WORD_START}${gate}(?:${atWordStart.map(wrap).join('|')})`] : [];
  return [...parts, ...inWord.map(wrap)].join('|');
}

/**
 * Applies an ordered list of rules in one pass, as one regular expression:
 * at each position the first rule that matches wins, and the scan goes on
 * after what it matched.
 */
export class Masker {
  /** Only quantity rules capture: all the replacement needs to know. */
  private readonly regex: RegExp;
  /** One capture per rule, to name the rule that matched (slower). */
  private readonly named: RegExp;
  private readonly replace: (match: string, ...captures: unknown[]) => string;

  constructor(
    readonly rules: readonly MaskRule[] = MASK_RULES,
    gate = WORD_GATE,
  ) {
    for (const r of rules) {
      const groups = (new RegExp(`${r.pattern}|`).exec('') as RegExpExecArray).length - 1;
      if (groups > 0) throw new Error(`mask rule ${r.name} has a capturing group`);
    }
    const quantities = alternation(rules, gate, (r) =>
      r.quantity ? `(${r.pattern})` : `(?:${r.pattern})`,
    );
    const quantity = rules.filter((r) => r.quantity).length;
    this.regex = new RegExp(quantity > 0 ? `(?:${quantities})` : quantities, 'g');
    this.named = new RegExp(
      alternation(rules, gate, (r) => `(${r.pattern})`),
      'g',
    );
    // One capture per quantity rule: a quantity matched when one of them is set.
    this.replace =
      quantity === 1
        ? (_match, captured) => (captured === undefined ? VALUE_MARK : QUANTITY_MARK)
        : (_match, ...captures) => {
            const set = captures.slice(0, quantity).some((c) => c !== undefined);
            return set ? QUANTITY_MARK : VALUE_MARK;
          };
  }

  /** The message with each masked value replaced by VALUE_MARK, or QUANTITY_MARK for a quantity. */
  mark(message: string): string {
    const marked = message.includes(VALUE_MARK) || message.includes(QUANTITY_MARK);
    const text = marked ? message.replace(MARKS, ' ') : message;
    return text.replace(this.regex, this.replace);
  }

  /** What each rule matched in a message, in order: for tests and for explaining a template. */
  explain(message: string): Array<{ rule: string; text: string }> {
    const out: Array<{ rule: string; text: string }> = [];
    for (const match of message.matchAll(this.named)) {
      const index = match.findIndex((c, i) => i > 0 && c !== undefined);
      const rule = this.rules[index - 1];
      if (rule) out.push({ rule: rule.name, text: match[0] });
    }
    return out;
  }
}
