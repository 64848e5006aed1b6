import { z } from 'zod';
import { parseJson } from '../platform/json';
import { log } from '../platform/log';
import { ConcurrentWriteError } from '../storage/errors';
import { partitionStart } from '../storage/keys';
import type { SegmentStore } from '../storage/store';

/**
 * `lake/compaction/manifest.json`: the hour partitions that are done (every
 * segment merged into its part, every part decided), so a planning run
 * lists only the hours that are not. Each change is written over the
 * version read (If-Match, or If-None-Match for the first), read again and
 * retried when another run changed it, so runs at once keep each other's
 * hours.
 */
export const MANIFEST_KEY = 'lake/compaction/manifest.json';

/** How many times a change is tried against a manifest that keeps changing under it. */
const ATTEMPTS = 8;

const ManifestSchema = z.object({
  version: z.literal(1),
  done: z.array(z.string().refine((p) => partitionStart(p) !== undefined)),
});

/** The hours the manifest says are done, and its version (null: there is none yet). */
export interface Manifest {
  done: Set<string>;
  etag: string | null;
}

/**
 * The manifest, or an empty one when there is none. One that cannot be
 * read is taken as empty (with a warning): every hour is then looked at
 * again, which costs listings and loses nothing.
 */
export async function readManifest(store: SegmentStore): Promise<Manifest> {
  const found = await store.getObject(MANIFEST_KEY);
  if (found === undefined) return { done: new Set(), etag: null };
  const parsed = ManifestSchema.safeParse(parseJson(Buffer.from(found.body).toString('utf-8')));
  if (!parsed.success) {
    log.warn('compaction manifest unreadable; every hour is looked at again', {
      reason: parsed.error.issues[0]?.message,
    });
    return { done: new Set(), etag: found.etag };
  }
  return { done: new Set(parsed.data.done), etag: found.etag };
}

/**
 * Changes the manifest's set of done hours with `change` (which returns
 * false when nothing needs writing), over the version read, retrying on a
 * concurrent change. Resolves to the hours done afterwards.
 */
export async function updateManifest(
  store: SegmentStore,
  change: (done: Set<string>) => boolean,
): Promise<Set<string>> {
  for (let attempt = 1; ; attempt++) {
    const manifest = await readManifest(store);
    if (!change(manifest.done)) return manifest.done;
    const body = JSON.stringify({ version: 1, done: [...manifest.done].sort() });
    try {
      await store.putObject(MANIFEST_KEY, Buffer.from(body), manifest.etag);
      return manifest.done;
    } catch (err: unknown) {
      if (!(err instanceof ConcurrentWriteError) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** Records that an hour is done. */
export function markDone(store: SegmentStore, partition: string): Promise<Set<string>> {
  return updateManifest(store, (done) => {
    if (done.has(partition)) return false;
    done.add(partition);
    return true;
  });
}
