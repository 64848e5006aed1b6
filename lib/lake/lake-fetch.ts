import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../platform/concurrency';
import { OPS_ROOT, partitionOf, partitionStart } from '../storage/keys';
import type { S3Objects } from '../storage/s3-objects';

/** What a fetch copied: how many objects, and their bytes. */
export interface FetchedLake {
  objects: number;
  bytes: number;
}

/** The bucket could not be listed or read; the cause is the S3 error. */
export class LakeSourceError extends Error {
  override name = 'LakeSourceError';
}

/**
 * True for a key the Glue table reads: any object directly in an hour
 * folder `ops/YYYY/MM/DD/HH/` (segments, compacted hours and anything
 * else put there), as Athena reads every object of a projected partition.
 */
export function isLakeKey(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return (
    name !== '' && name !== '.' && name !== '..' && partitionStart(partitionOf(key)) !== undefined
  );
}

/**
 * Copies every object of the lake under `ops/` into `directory`, each at
 * its key (so `directory/ops/2026/11/24/21/…jsonl`, compacted hours still
 * gzipped), fetching `concurrency` objects at once.
 */
export async function fetchLake(
  objects: S3Objects,
  directory: string,
  concurrency = 32,
): Promise<FetchedLake> {
  const keys = await listLake(objects);
  const made = new Set<string>();
  const sizes = await mapLimit(keys, concurrency, async (key) => {
    const found = await read(objects, key);
    if (found === undefined) return undefined; // gone since the listing (compacted or expired)
    const path = join(directory, key);
    const folder = dirname(path);
    if (!made.has(folder)) {
      await mkdir(folder, { recursive: true });
      made.add(folder);
    }
    await writeFile(path, found);
    return found.byteLength;
  });
  const copied = sizes.filter((n) => n !== undefined);
  return { objects: copied.length, bytes: copied.reduce((sum, n) => sum + n, 0) };
}

async function listLake(objects: S3Objects): Promise<string[]> {
  const keys: string[] = [];
  try {
    for await (const page of objects.list(OPS_ROOT)) keys.push(...page.filter(isLakeKey));
  } catch (err: unknown) {
    throw new LakeSourceError(`cannot list s3://${objects.bucket}/${objects.prefix}${OPS_ROOT}`, {
      cause: err,
    });
  }
  return keys;
}

async function read(objects: S3Objects, key: string): Promise<Uint8Array | undefined> {
  try {
    const found = await objects.get(key);
    return found.kind === 'found' ? found.body : undefined;
  } catch (err: unknown) {
    throw new LakeSourceError(`cannot read s3://${objects.bucket}/${objects.prefix}${key}`, {
      cause: err,
    });
  }
}
