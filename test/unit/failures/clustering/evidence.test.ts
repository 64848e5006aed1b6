import { describe, expect, it } from 'vitest';
import {
  isKeyword,
  isMasked,
  isValueDifference,
  sameButValues,
} from '../../../../lib/failures/clustering/evidence';

describe('isKeyword', () => {
  it('holds for capitalised and upper-case words and literals, alone or as a value', () => {
    for (const t of [
      'Started',
      'GET',
      'ACTION_UP',
      'IPV6',
      'true',
      'none',
      'state=Active',
      '(OK)',
    ]) {
      expect(isKeyword(t), t).toBe(true);
    }
    for (const t of ['started', 'gpt-4o', 'user=root', 'Thread-12', '<*>']) {
      expect(isKeyword(t), t).toBe(false);
    }
  });
});

describe('isMasked', () => {
  it('holds for a wildcard with punctuation only around it', () => {
    expect(['<*>', '(<*>)', '"<*>",'].every(isMasked)).toBe(true);
    expect(['blk_<*>', '()', 'x'].some(isMasked)).toBe(false);
  });
});

describe('sameButValues', () => {
  it('holds for the same word with other numbers in the same places', () => {
    expect(sameButValues('Thread-3', 'Thread-12')).toBe(true);
    expect(sameButValues('rdd_42_20', 'rdd_7_3')).toBe(true);
    expect(sameButValues('claude-3-5-sonnet', 'claude-3-7-sonnet')).toBe(true);
  });

  it('holds for a masked value against letters or digits', () => {
    expect(sameButValues('node-<*>', 'node-D1')).toBe(true);
    expect(sameButValues('Token{<*>', 'Token{bdffbad')).toBe(true);
  });

  it('fails for other words, or other punctuation', () => {
    expect(sameButValues('s3', 'ec2')).toBe(false);
    expect(sameButValues('gpt-4o', 'gpt-4o-mini')).toBe(false);
    expect(sameButValues('a-1', 'a_1')).toBe(false);
    expect(sameButValues('same', 'same')).toBe(false);
  });
});

describe('isValueDifference', () => {
  it('takes other numbers in a word, or a masked value against a word, as a value', () => {
    expect(isValueDifference('worker-3', 'worker-12')).toBe(true);
    expect(isValueDifference('()', '(<*>)')).toBe(true);
    expect(isValueDifference('(unknown)', '(<*>)')).toBe(true);
  });

  it('never takes keywords for values: they name events', () => {
    expect(isValueDifference('IPV4', 'IPV6')).toBe(false);
    expect(isValueDifference('(<*>)', '(OK)')).toBe(false);
    expect(isValueDifference('user', 'admin')).toBe(false);
  });
});
