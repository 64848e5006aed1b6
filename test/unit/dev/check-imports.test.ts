import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findCycles, findUpwardImports, LAYERS } from '../../../dev/check-imports';

describe('the import cycle check', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
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

  describe('the layer check', () => {
    const layers = [['lib/platform'], ['lib/domain'], ['lib/a', 'lib/b'], ['lib/app']];

    it('refuses an import that runs up a layer, naming both files', () => {
      dir = mkdtempSync(join(tmpdir(), 'layers-'));
      const low = file('lib/domain/op.ts', "import { runtime } from '../app/runtime';\n");
      file('lib/app/runtime.ts', 'export const runtime = 1;\n');

      expect(findUpwardImports([low], dir, layers)).toEqual([
        'lib/domain/op.ts -> lib/app/runtime.ts: up a layer',
      ]);
    });

    it('refuses an import across two folders of one layer, and out of lib/', () => {
      dir = mkdtempSync(join(tmpdir(), 'layers-'));
      const a = file(
        'lib/a/x.ts',
        "import { y } from '../b/y';\nimport { t } from '../../test/t';\n",
      );

      expect(findUpwardImports([a], dir, layers)).toEqual([
        'lib/a/x.ts -> lib/b/y.ts: across folders of one layer',
        'lib/a/x.ts -> test/t.ts: lib/ imports only lib/',
      ]);
    });

    it('lets a module import its own folder and every layer below it', () => {
      dir = mkdtempSync(join(tmpdir(), 'layers-'));
      const top = file(
        'lib/app/runtime.ts',
        "import { a } from '../a/x';\nimport { b } from '../b/y';\nimport { c } from './wiring';\nimport type { Op } from '../domain/op';\n",
      );
      const mid = file('lib/a/x.ts', "import { log } from '../platform/log';\n");

      expect(findUpwardImports([top, mid], dir, layers)).toEqual([]);
    });

    it('names a lib/ file that no layer declares', () => {
      dir = mkdtempSync(join(tmpdir(), 'layers-'));
      const stray = file('lib/stray/z.ts', 'export const z = 1;\n');

      expect(findUpwardImports([stray], dir, layers)).toEqual([
        'lib/stray/z.ts: in no declared layer (add its folder to LAYERS)',
      ]);
    });

    it('declares every folder of lib/', () => {
      const declared = LAYERS.flat();
      for (const folder of ['lib/platform', 'lib/domain', 'lib/ring', 'lib/http', 'lib/app']) {
        expect(declared).toContain(folder);
      }
    });
  });
});
