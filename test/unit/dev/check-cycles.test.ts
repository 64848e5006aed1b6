import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findCycles } from '../../../dev/check-cycles';

describe('the import cycle check', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a cycle through a type-only import', () => {
    dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    const a = file('a.ts', "import { b } from './b';\nexport const a = 1;\n");
    const b = file('b.ts', "import type { C } from './c';\nexport const b = 2;\n");
    const c = file('c.ts', "import { a } from './a';\nexport type C = typeof a;\n");

    expect(findCycles([a, b, c])).toEqual([[a, b, c, a]]);
  });

  it('finds none in a layered tree', () => {
    dir = mkdtempSync(join(tmpdir(), 'cycles-'));
    const a = file('a.ts', "import { b } from './b';\nimport { c } from './c';\n");
    const b = file('b.ts', "import { c } from './c';\nexport const b = 1;\n");
    const c = file('c.ts', 'export const c = 1;\n');

    expect(findCycles([a, b, c])).toEqual([]);
  });
});
