// `npm run build`: dist/index.js (one ES module, no dependencies, for Node 20+
// and browsers) and dist/*.d.ts (with the .js extensions Node's resolution needs).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url);
const dist = new URL('dist/', here);
rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [fileURLToPath(new URL('src/index.ts', here))],
  outfile: fileURLToPath(new URL('index.js', dist)),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [
    tsc,
    '-p',
    'tsconfig.json',
    '--noEmit',
    'false',
    '--declaration',
    '--emitDeclarationOnly',
    '--outDir',
    'dist',
  ],
  { cwd: here, stdio: 'inherit' },
);
for (const name of readdirSync(dist).filter((f) => f.endsWith('.d.ts'))) {
  const file = new URL(name, dist);
  const text = readFileSync(file, 'utf-8').replace(/(from '\.\/[\w-]+)'/g, "$1.js'");
  writeFileSync(file, text);
}
