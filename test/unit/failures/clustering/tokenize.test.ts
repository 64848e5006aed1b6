import { describe, expect, it } from 'vitest';
import { tokenize, WILDCARD } from '../../../../lib/failures/clustering/tokenize';

const W = WILDCARD;

describe('tokenize', () => {
  it('splits on runs of whitespace and keeps words as they are', () => {
    expect(tokenize('  Connection  closed\tby peer ')).toEqual([
      'Connection',
      'closed',
      'by',
      'peer',
    ]);
  });

  it('masks numbers, signed, decimal, grouped, and clock times', () => {
    expect(tokenize('a -12 b 3.5 c 1,024 d 12:30:01.5')).toEqual(['a', W, 'b', W, 'c', W, 'd', W]);
  });

  it('masks addresses: IPv4 with a port, IPv6, MAC, host names with a digit, host:port', () => {
    const message =
      'at 10.0.0.1:8080 or fe80::1:2 or 00:a2:ee:1a:71:8c or n1.example.com or x.com:443';
    expect(tokenize(message)).toEqual(['at', W, 'or', W, 'or', W, 'or', W, 'or', W]);
  });

  it('masks hex values, UUIDs, URLs and absolute paths', () => {
    const message =
      'a 0x7f99 b deadbeef01 c af5f7392-f7d4-4298-b647-c98924c64aa1 d https://a.b/c e /var/x';
    expect(tokenize(message)).toEqual(['a', W, 'b', W, 'c', W, 'd', W, 'e', W]);
  });

  it('keeps punctuation around a masked value', () => {
    const tokens = tokenize('from [10.1.2.3] (pid 42), rhost=1.2.3.4');
    expect(tokens).toEqual(['from', `[${W}]`, '(pid', `${W}),`, `rhost=${W}`]);
  });

  it('masks long digit runs inside identifiers, joins the wildcards they leave, and keeps names', () => {
    expect(tokenize('blk_-1608999687919862906 task_200811092030_0001_m_000487 wl0:')).toEqual([
      `blk_${W}`,
      `task_${W}_m_${W}`,
      'wl0:',
    ]);
  });

  it('takes a quantity with its unit, and drops a bracketed restatement of it', () => {
    const long = tokenize('close, 14267 bytes (13.9 KB) sent, lifetime 01:07:47');
    const short = tokenize('close, 474 bytes sent, lifetime <1 sec');
    expect(long).toEqual(['close,', W, 'sent,', 'lifetime', W]);
    expect(short).toEqual(long);
  });

  it('collapses a list of equal variable tokens into one', () => {
    expect(tokenize('delete blk_1073 blk_-2091 blk_3455 done')).toEqual([
      'delete',
      `blk_${W}`,
      'done',
    ]);
  });

  it('masks the values of key=value pairs by their own shape, and a quoted value whole', () => {
    expect(tokenize('state=open id=5f64c3b uid=0 user=root tag="View Lock" model=gpt-4o')).toEqual([
      'state=open',
      `id=${W}`,
      `uid=${W}`,
      'user=root',
      `tag=${W}`,
      'model=gpt-4o',
    ]);
  });

  it('takes a date of several words as one value, so one event keeps one length', () => {
    const a = tokenize('connection from 10.0.0.1 () at Sun Jul 10 03:55:15 2005');
    const b = tokenize('connection from 10.0.0.2 () at Mon Aug 1 23:01:02 2005');
    expect(a).toEqual(['connection', 'from', W, '()', 'at', W]);
    expect(b).toEqual(a);
  });

  it('takes sizes in bytes like sizes in kilobytes', () => {
    const bytes = tokenize('stored (estimated size 1592.0 B, free 1031.5 MB)');
    const kilobytes = tokenize('stored (estimated size 2.1 KB, free 1029.4 MB)');
    expect(bytes).toEqual(['stored', '(estimated', 'size', `${W},`, 'free', `${W})`]);
    expect(kilobytes).toEqual(bytes);
  });

  it('answers no tokens for a blank message', () => {
    expect(tokenize(' \t ')).toEqual([]);
  });
});
