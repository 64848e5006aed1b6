import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SOURCE_DIRS } from '../../../dev/source-watch';

describe('the sources npm start watches', () => {
  it('are the folders serverless.yml tells the bundler to watch', () => {
    const yml = readFileSync('serverless.yml', 'utf-8');
    const watched = [...yml.matchAll(/^\s*- "(\w+)\/\*\*\/\*\.ts"\s*$/gm)].map((m) => m[1]);

    expect(watched.length).toBeGreaterThan(0);
    expect([...SOURCE_DIRS].sort()).toEqual(watched.sort());
  });
});
