import { describe, expect, it } from 'vitest';
import { agentErrorSet } from '../../../../dev/agent-errors';
import { LOGHUB_SETS, loadLoghubSet } from '../../../../dev/loghub';
import { MASK_RULES, Masker, type MaskRule } from '../../../../lib/failures/clustering/masking';
import { tokenize, WILDCARD } from '../../../../lib/failures/clustering/tokenize';

const masker = new Masker();

/**
 * Per rule: values it masks, whole (or `[text, value]` when the value sits in
 * a longer text), and near misses it leaves alone.
 */
const CASES: Record<string, { masks: Array<string | [string, string]>; keeps: string[] }> = {
  'long-word': {
    masks: ['x'.repeat(257), `{"a":[${'1,'.repeat(200)}1]}`],
    keeps: ['x'.repeat(256)],
  },
  url: {
    masks: [
      'https://api.example.com/v1/chat?id=3',
      's3://agent-artifacts/run/a1.json',
      'hdfs://10.0.0.1:9000/pjhe/part-00001',
      ['(see https://x.org/a).', 'https://x.org/a'],
    ],
    keeps: ['http2', 'scheme:/relative'],
  },
  email: {
    masks: ['ops@example.com', 'first.last+tag@mail.example.org'],
    keeps: ['@Override', 'user@localhost'],
  },
  uuid: {
    masks: [
      'af5f7392-f7d4-4298-b647-c98924c64aa1',
      ['[instance: B9000564-FE1A-409B-B8CC-1E88B294CD1D]', 'B9000564-FE1A-409B-B8CC-1E88B294CD1D'],
    ],
    keeps: ['af5f7392-f7d4'],
  },
  'iso-datetime': {
    masks: [
      '2026-01-02',
      '2026-01-02T03:04:05Z',
      '2015-10-18 18:01:47,978',
      '2026-01-02T03:04:05.123+02:00',
    ],
    keeps: ['gpt-4o-2024'],
  },
  'named-datetime': {
    masks: [
      'Sun Jul 10 03:55:15 2005',
      'Sat May  1 12:13:31 EDT 2004',
      'Jul 10 03:55:15',
      'Mon, 02 Jan 2006 15:04:05 -0700',
      '10/Oct/2000:13:55:36 -0700',
      'Jan 5, 2024',
    ],
    keeps: ['Sun', 'July', 'Mon Jan'],
  },
  'numeric-date': {
    masks: ['2024/01/31', '31-01-2024', '2024/01/31 12:00:01'],
    keeps: ['1/2', '3-5'],
  },
  'clock-time': {
    masks: ['03:55:15', '12:30:01.5', '9:05:00 PM'],
    keeps: ['12:30'],
  },
  'host-name': {
    masks: [
      'github.com',
      'api.example.com:443',
      'proxy.cse.cuhk.edu.hk:5070',
      'Mac-Pro.local',
      'rhost.dynamic-dsl-ip.omantel.net.om',
      'ip-10-0-0-1.ec2.internal',
    ],
    keeps: ['com.apple.xpc.launchd', 'org.apache.hadoop.io', 'config.yaml', 'node.js'],
  },
  'dotted-name-with-digit': {
    masks: ['worker-3.pool2.svc', 'v1.2.3', 'redis.cache:6379', 'ip-10-0-0-1.eu-west-1.compute'],
    keeps: ['com.apple.WebKit.v2', 'sm.x', 'main.py'],
  },
  ipv4: {
    masks: [
      '10.0.0.1',
      '10.250.19.102:50010',
      '192.168.0.0/16',
      ['/10.0.0.1:8080', '10.0.0.1:8080'],
    ],
    keeps: ['1.2.3.4.5', '1.2.3'],
  },
  'ipv6-or-mac': {
    masks: [
      'fe80::1:2',
      '::1',
      '2607:f140:6000:8:c6b3:1ff:fecd:467f',
      '00:a2:ee:1a:71:8c',
      '00-1A-2B-3C-4D-5E',
    ],
    keeps: ['Foo::bar', 'std::vector'],
  },
  'unix-path': {
    masks: [
      '/var/log/syslog',
      '~/.cache/agent',
      './src/index.ts',
      ['path:/var/log/a b', '/var/log/a'],
      ["open '/work/repo/x.ts'", '/work/repo/x.ts'],
      ['(/a/b).', '/a/b'],
    ],
    keeps: ['/tmp', 'linux/amd64', 'HTTP/1.1', 'and/or'],
  },
  'windows-path': {
    masks: ['C:\\Windows\\System32\\x.dll', '\\\\server\\share\\f.txt'],
    keeps: ['a\\b'],
  },
  'quoted-value': {
    masks: [
      ['tag="View Lock"', '"View Lock"'],
      ["name='x y z'", "'x y z'"],
      ['v=""', '""'],
    ],
    keeps: ['"quoted" alone', "it's"],
  },
  'quoted-word': {
    masks: [
      ["service 'sparkDriver' on", 'sparkDriver'],
      ['in "com.apple.performance"', 'com.apple.performance'],
      ["('x.ts')", 'x.ts'],
    ],
    keeps: [
      "state 'Active'",
      "'GET'",
      "'two words'",
      "don't",
      "'true'",
      'field "query": expected',
      '{"type":"overloaded_error"}',
    ],
  },
  hex: {
    masks: [
      '0x7f3a',
      '0X0',
      'deadbeef01',
      '31bf3856ad364e35',
      ['<0xffffff80487b8000>', '0xffffff80487b8000'],
    ],
    keeps: ['deadbeef', 'facade', '12345678'],
  },
  'short-hex-id': {
    masks: ['5f64c3b', 'abc123', 'A1B2C3'],
    keeps: ['abc12', 'e2e', 'decade', 'ab12cdefgh'],
  },
  'random-id': {
    masks: ['8f3KzP2qLm', 'req7Xy2Zq9Lp', 'AbCdEfGh1234IjKlMn56'],
    keeps: ['waitForOk2Go2Sx', 'v1beta1', 'sha256sum', 'x86'],
  },
  quantity: {
    masks: [
      '1234',
      '-12',
      '3.5',
      '1,024',
      '3000ms',
      '1.5KB',
      '100%',
      '2m30s',
      '<1',
      '>=100ms',
      '1st',
    ],
    keeps: [
      'gpt-4o',
      'utf-8',
      'claude-3-5-sonnet',
      'gpt-3.5-turbo',
      'x86_64',
      'HTTP/1.1',
      's3',
      'o1-mini',
    ],
  },
  'long-number-in-name': {
    masks: [
      ['blk_-1608999687919862906', '-1608999687919862906'],
      ['node-131', '131'],
      ['core.2275', '2275'],
      ['gpt-4-0613', '0613'],
    ],
    keeps: ['Thread-12', 'rdd_42_20', 'us-east-1'],
  },
  'long-digits-in-word': {
    masks: [
      ['user1234', '1234'],
      ['KB2952664', '2952664'],
      ['io80211Family', '80211'],
    ],
    keeps: ['sha256', 'i386', 'ipv6', 'wl0'],
  },
};

const matchesOf = (rule: MaskRule, text: string) =>
  masker
    .explain(text)
    .filter((m) => m.rule === rule.name)
    .map((m) => m.text);

describe('the masking rules', () => {
  it('have unique names, a reason each, and the cases below: one row, one test', () => {
    const names = MASK_RULES.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(MASK_RULES.every((r) => r.why.length > 20)).toBe(true);
    expect(Object.keys(CASES).sort()).toEqual([...names].sort());
  });

  describe.each(MASK_RULES.map((rule) => [rule.name, rule] as const))('%s', (_name, rule) => {
    const cases = CASES[rule.name] ?? { masks: [], keeps: [] };

    it('masks its values, whole, between words', () => {
      for (const c of cases.masks) {
        const [text, value] = typeof c === 'string' ? [c, c] : c;
        expect(masker.explain(`at ${text} now`), text).toEqual([{ rule: rule.name, text: value }]);
      }
    });

    it('leaves its near misses alone', () => {
      for (const text of cases.keeps) expect(matchesOf(rule, `at ${text} now`), text).toEqual([]);
    });
  });

  it('mask the same with and without the word gate that speeds them up', () => {
    const ungated = new Masker(MASK_RULES, '');
    const messages = [
      ...LOGHUB_SETS.flatMap((set) => loadLoghubSet(set).map((m) => m.content)),
      ...agentErrorSet().map((m) => m.content),
    ];
    const differ = messages.filter((m) => masker.mark(m) !== ungated.mark(m));
    expect(differ).toEqual([]);
  });

  it('take time linear in the length of a message, whatever its words', () => {
    const shapes = ['ab-cd.', 'a.', '1-', 'a-1.b_2/', 'a.com.', '1.1.1.1.', ':', "'a "];
    const message = shapes.map((s) => s.repeat(Math.ceil(40_000 / s.length))).join(' ');
    const start = performance.now();
    tokenize(message);
    // Linear, this is tens of milliseconds; a rule scanning to the end of the
    // word from each position in it would take minutes.
    expect(performance.now() - start).toBeLessThan(3000);
  });

  it('refuses a rule with a capturing group: the engine reads its own captures', () => {
    const [first] = MASK_RULES as [MaskRule];
    expect(() => new Masker([{ ...first, pattern: '(a)b' }])).toThrow(/capturing/);
  });

  it('refuses an in-word rule before a word-start rule: the order would not hold', () => {
    const [first, second] = MASK_RULES as [MaskRule, MaskRule];
    expect(() => new Masker([{ ...first, inWord: true }, second])).toThrow(/last/);
  });
});

describe('names in messages', () => {
  const NAMES = [
    'gpt-4o',
    'gpt-4o-mini',
    'gpt-4.1-mini',
    'gpt-3.5-turbo',
    'claude-3-5-sonnet',
    'claude-3.5-sonnet',
    'o1-mini',
    'o3',
    'llama-3.1-8b',
    'mistral-7b-instruct',
    'qwen2.5-72b',
    'utf-8',
    'utf-16le',
    'http2',
    'HTTP/1.1',
    'ipv4',
    'ipv6',
    's3',
    'ec2',
    'us-east-1',
    'x86_64',
    'sha256',
    'base64',
    'i18n',
    'k8s',
    'TLSv1.2',
  ];

  it.each(NAMES)('keeps %s whole in the template', (name) => {
    expect(tokenize(`request to ${name} failed`)).toEqual(['request', 'to', name, 'failed']);
  });

  it.each([
    ['user 1234', ['user', WILDCARD]],
    ['took 3000ms', ['took', WILDCARD]],
    ['at 0x7f3a', ['at', WILDCARD]],
    ['task af5f7392-f7d4-4298-b647-c98924c64aa1', ['task', WILDCARD]],
    ['from 10.0.0.1', ['from', WILDCARD]],
    ['at 2026-01-02T03:04:05Z', ['at', WILDCARD]],
    ['code -32601', ['code', WILDCARD]],
    ['dated claude-3-5-sonnet-20241022', ['dated', `claude-3-5-sonnet-${WILDCARD}`]],
  ])('masks the value in %s', (message, tokens) => {
    expect(tokenize(message)).toEqual(tokens);
  });
});
