// `npm start` serves the functions' current code: a change under the source
// folders restarts the emulator (its handlers run in-process, and a module
// once loaded is never loaded again). Changes close together make one
// restart; a change during a restart makes one more after it.
import { type FSWatcher, watch } from 'node:fs';

/** The folders whose TypeScript the functions are built from (serverless.yml's esbuild watch patterns; a test keeps them equal). */
export const SOURCE_DIRS = ['lib', 'handlers'];

/** Calls `act` after TypeScript under `dirs` changes; the returned function stops watching. */
export function onSourceChange(
  dirs: readonly string[],
  act: (changed: string) => Promise<void>,
  quietMs = 300,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let pending: string | undefined;
  const run = (changed: string) => {
    if (running) {
      pending = changed;
      return;
    }
    running = act(changed)
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (pending !== undefined) {
          const next = pending;
          pending = undefined;
          run(next);
        }
      });
  };
  const watchers: FSWatcher[] = dirs.map((dir) =>
    watch(dir, { recursive: true }, (_event, file) => {
      if (!file?.endsWith('.ts')) return;
      clearTimeout(timer);
      timer = setTimeout(() => run(`${dir}/${file}`), quietMs);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
