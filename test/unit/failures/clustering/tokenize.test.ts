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

  it('masks digit runs inside identifiers and joins the wildcards they leave', () => {
    expect(tokenize('blk_-1608999687919862906 task_200811092030_0001_m_000487 wl0:')).toEqual([
      `blk_${W}`,
      `task_${W}_m_${W}`,
      `wl${W}:`,
    ]);
  });

  it('takes a quantity with its unit, and drops a bracketed restatement of it', () => {
    const long = tokenize('close, 14267 bytes (13.9 KB) sent, lifetime 01:07:47');
    const short = tokenize('close, 474 bytes sent, lifetime <1 sec');
    expect(long).toEqual(['close,', W, 'sent,', 'lifetime', W]);
    expect(short).toEqual(long);
  });

  it('collapses a list of equal variable tokens into one', () => {
    expect(tokenize('delete blk_1 blk_-2 blk_3 done')).toEqual(['delete', `blk_${W}`, 'done']);
  });

  it('masks the value of a key=value pair when it holds a digit', () => {
    expect(tokenize('state=open id=a1b2 user=root')).toEqual([
      'state=open',
      `id=${W}`,
      'user=root',
    ]);
  });

  it('answers no tokens for a blank message', () => {
    expect(tokenize(' \t ')).toEqual([]);
  });
});
