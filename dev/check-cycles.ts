// `npm run lint` runs this: it fails when the project's own modules import
// each other in a cycle (type-only imports included: they bind the layers too).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOTS = ['lib', 'handlers', 'dev', 'scripts', 'bench', 'client', 'test'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Every .ts file under the given folders. */
function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    if (name === 'node_modules') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [resolve(path)] : [];
  });
}

/** The files a module imports (relative imports only). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf-8');
  return [...text.matchAll(IMPORT)].map((m) => {
    const target = resolve(dirname(file), m[1] as string);
    return target.endsWith('.ts') ? target : `${target}.ts`;
  });
}

/** The import cycles among `files`, each as the list of files around it. */
export function findCycles(files: readonly string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const cycles = findCycles(ROOTS.flatMap((root) => sources(root)));
  for (const cycle of cycles) {
    console.error(`import cycle: ${cycle.map((f) => relative(process.cwd(), f)).join(' -> ')}`);
  }
  if (cycles.length > 0) process.exit(1);
  console.log('no import cycles');
}
