// `npm run lint` runs this. It fails when the project's own modules import
// each other in a cycle (type-only imports included: they bind the layers
// too), or when a module of `lib/` imports one of a higher layer: the core
// never knows its edges, and the ground floor knows nothing above it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOTS = ['lib', 'handlers', 'dev', 'scripts', 'bench', 'client', 'test'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * The layers of `lib/`, lowest first. A module may import its own folder and
 * any folder of a lower layer; folders in one layer may not import each
 * other. Everything outside `lib/` (handlers, dev, scripts, bench, test)
 * stands above it, and `lib/` imports none of it.
 */
export const LAYERS: readonly (readonly string[])[] = [
  // Configuration, limits, logging, metrics, concurrency: nothing of the service.
  ['lib/platform'],
  // The op, a stored op's place in the log, input parsing and the core's own errors.
  ['lib/domain'],
  // The store port and its S3 adapter, the key layout, the codecs.
  ['lib/storage'],
  // The ring, its state, cold start, refresh and checkpoint.
  ['lib/ring'],
  // Reading ops out of requests and the inbox, and recording them.
  ['lib/ingest'],
  // OTLP: decoding traces and logs, the span-to-op mapping, recording them.
  ['lib/otlp'],
  // Compaction and the lake's SQL.
  ['lib/lake'],
  // Failures grouped by error template.
  ['lib/failures/clustering'],
  // What is built on the clusters: a verdict on one op, and escalating (claims, delivery, records).
  ['lib/failures/review', 'lib/failures/escalation'],
  // Runs (the ops of one trace), token costs, and the playbooks built from runs; durable issues
  // folded from the log, their lifecycle, and the escalation of their transitions.
  ['lib/runs', 'lib/issues'],
  // Snapshots and history.
  ['lib/stats'],
  // The HTTP edge: the handler wrapper, answers, errors mapped to statuses, auth, the API description.
  ['lib/http'],
  // The page.
  ['lib/dashboard'],
  // The composition root: wires configuration, store, observer and auth for the handlers.
  ['lib/app'],
];

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

/** Where a file sits: its layer's index and folder, or undefined outside `lib/`'s layers. */
function placeOf(
  path: string,
  layers: readonly (readonly string[])[],
): { layer: number; folder: string } | undefined {
  const unix = path.split(sep).join('/');
  let best: { layer: number; folder: string } | undefined;
  layers.forEach((folders, layer) => {
    for (const folder of folders) {
      const inside = unix.startsWith(`${folder}/`);
      if (inside && (best === undefined || folder.length > best.folder.length)) {
        best = { layer, folder };
      }
    }
  });
  return best;
}

/**
 * The imports of `lib/` that run against the layers, as "from -> to: why":
 * into a higher layer, into a sibling folder of the same layer, out of
 * `lib/`, or from a `lib/` file that belongs to no layer. Paths are relative
 * to `root`.
 */
export function findUpwardImports(
  files: readonly string[],
  root: string,
  layers: readonly (readonly string[])[] = LAYERS,
): string[] {
  const found: string[] = [];
  for (const file of files) {
    const from = relative(root, file);
    if (!from.split(sep).join('/').startsWith('lib/')) continue;
    const here = placeOf(from, layers);
    if (here === undefined) {
      found.push(`${from}: in no declared layer (add its folder to LAYERS)`);
      continue;
    }
    for (const target of importsOf(file)) {
      const to = relative(root, target);
      const there = placeOf(to, layers);
      if (there === undefined) found.push(`${from} -> ${to}: lib/ imports only lib/`);
      else if (there.layer > here.layer) found.push(`${from} -> ${to}: up a layer`);
      else if (there.layer === here.layer && there.folder !== here.folder) {
        found.push(`${from} -> ${to}: across folders of one layer`);
      }
    }
  }
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const files = ROOTS.flatMap((root) => sources(root));
  const cycles = findCycles(files);
  for (const cycle of cycles) {
    console.error(`import cycle: ${cycle.map((f) => relative(process.cwd(), f)).join(' -> ')}`);
  }
  const upward = findUpwardImports(files, process.cwd());
  for (const line of upward) console.error(`import against the layers: ${line}`);
  if (cycles.length > 0 || upward.length > 0) process.exit(1);
  console.log('no import cycles; lib/ imports only down its layers');
}
