// S3's write semantics for s3rver, which has none of them: a PutObject with
// `If-None-Match: *` or `If-Match: <etag>` is checked and committed under a
// per-key lock (412 PreconditionFailed, or 404 NoSuchKey for `If-Match` on a
// missing key, with S3's XML error body); an object appears whole or not at
// all; a read never sees half a write; a listing never fails because an
// object was deleted while it ran.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';
import { KeyedLock } from './keyed-lock';

/** The folder, under the server's directory, where uploads are received before they appear. */
export const UPLOADS_DIR = '.uploading';

interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
}

/** s3rver's S3Object, as its store receives it. */
interface ObjectModel {
  bucket: string;
  key: string;
  content: Readable | Buffer;
  metadata: Record<string, string>;
}

/** The parts of s3rver's FilesystemStore this module wraps or calls. */
interface FilesystemStore {
  rootDirectory: string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<{ etag: string }>;
  existsObject(bucket: string, key: string): Promise<boolean>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  putObject(object: ObjectModel): Promise<{ size: number; md5: string }>;
  copyObject(...args: unknown[]): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, options: unknown): Promise<unknown>;
  listBuckets(): Promise<{ name: string }[]>;
}

interface KoaContext {
  req: object;
  method: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;

type S3ErrorClass = new (code: string, message: string, detail?: object) => Error;
const S3Error = createRequire(import.meta.url)('s3rver/lib/models/error') as S3ErrorClass;

// A PutObject's conditions, by its request: s3rver hands the request itself to the store as the body.
const conditionsOf = new WeakMap<object, Conditions>();

/**
 * Gives a server S3's conditional writes and atomic objects. Call before
 * `run()`: s3rver composes its middleware when it starts listening.
 */
export async function enforceConditions(server: S3rver): Promise<void> {
  const app = server as unknown as { middleware: Middleware[]; store: FilesystemStore };
  app.middleware.unshift(carryConditions);
  const uploads = join(app.store.rootDirectory, UPLOADS_DIR);
  // Leftovers of a server stopped mid-upload were never objects.
  await rm(uploads, { recursive: true, force: true });
  await mkdir(uploads, { recursive: true });
  wrapStore(app.store, uploads);
}

/** Hands a PUT's condition headers to the store call that commits it; refuses what it cannot honour. */
const carryConditions: Middleware = (ctx, next) => {
  if (ctx.method !== 'PUT' && ctx.method !== 'POST') return next();
  const ifMatch = single(ctx.headers['if-match']);
  const ifNoneMatch = single(ctx.headers['if-none-match']);
  if (ifMatch === undefined && ifNoneMatch === undefined) return next();
  // Never ignore a condition: a copy or a multipart upload would otherwise overwrite unchecked.
  if (ctx.method === 'POST' || 'x-amz-copy-source' in ctx.headers || 'uploadId' in ctx.query) {
    throw notImplemented('conditional copies and multipart uploads');
  }
  conditionsOf.set(ctx.req, { ifMatch, ifNoneMatch });
  return next();
};

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function wrapStore(store: FilesystemStore, uploads: string): void {
  const lock = new KeyedLock();
  const original = {
    existsObject: store.existsObject.bind(store),
    getObject: store.getObject.bind(store),
    copyObject: store.copyObject.bind(store),
    listObjects: store.listObjects.bind(store),
    listBuckets: store.listBuckets.bind(store),
  };
  const id = (bucket: string, key: string) => `${bucket}/${key}`;

  store.existsObject = (bucket, key) =>
    lock.run(id(bucket, key), () => original.existsObject(bucket, key));
  // Held until the file is open: a later write renames a new file into place; the open one stays whole.
  store.getObject = (bucket, key, options) =>
    lock.run(id(bucket, key), () => original.getObject(bucket, key, options));
  store.copyObject = (...args: unknown[]) =>
    lock.run(id(String(args[2]), String(args[3])), () => original.copyObject(...args));
  store.deleteObject = (bucket, key) =>
    lock.run(id(bucket, key), () => deleteObject(store, bucket, key));
  store.putObject = async (object) => {
    // Received first, outside the lock: S3 too decides a condition when the upload completes.
    const upload = await receive(object.content, uploads);
    try {
      return await lock.run(id(object.bucket, object.key), async () => {
        const conditions = conditionsOf.get(object.content);
        if (conditions !== undefined) {
          const exists = await original.existsObject(object.bucket, object.key);
          await check(store, object, exists, conditions);
        }
        return commit(store, object, upload);
      });
    } catch (err: unknown) {
      await rm(upload.path, { force: true });
      throw err;
    }
  };
  // A file removed between s3rver's directory read and its stat fails a listing; S3's never does.
  store.listObjects = (bucket, options) =>
    retryVanished(() => original.listObjects(bucket, options));
  store.listBuckets = async () =>
    (await original.listBuckets()).filter((b) => b.name !== UPLOADS_DIR);
}

/** A body received into its own file, not yet an object. */
interface Upload {
  path: string;
  size: number;
  md5: string;
}

async function receive(content: Readable | Buffer, uploads: string): Promise<Upload> {
  const path = join(uploads, randomUUID());
  const hash = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(content)) {
      hash.update(content);
      size = content.length;
      await writeFile(path, content);
    } else {
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      });
      await pipeline(content, measure, createWriteStream(path));
    }
  } catch (err: unknown) {
    await rm(path, { force: true });
    throw err;
  }
  return { path, size, md5: hash.digest('hex') };
}

/** Throws S3's answer when a condition does not hold. */
async function check(
  store: FilesystemStore,
  { bucket, key }: ObjectModel,
  exists: boolean,
  conditions: Conditions,
): Promise<void> {
  if (conditions.ifNoneMatch !== undefined) {
    // S3 takes only `*` on a write.
    if (conditions.ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match other than *');
    if (exists) throw preconditionFailed('If-None-Match');
  }
  if (conditions.ifMatch !== undefined) {
    if (!exists) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: key });
    const { etag } = await store.getMetadata(bucket, key);
    const wanted = conditions.ifMatch.split(',').map(bareEtag);
    if (!wanted.includes('*') && !wanted.includes(bareEtag(etag))) {
      throw preconditionFailed('If-Match');
    }
  }
}

function preconditionFailed(condition: string): Error {
  return new S3Error(
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    { Condition: condition },
  );
}

function notImplemented(what: string): Error {
  return new S3Error('NotImplemented', `This local S3 does not implement ${what}`);
}

function bareEtag(etag: string): string {
  return etag.trim().replace(/^W\//, '').replaceAll('"', '');
}

/** Its checksum and metadata first, then the object appears at once (a rename). */
async function commit(
  store: FilesystemStore,
  object: ObjectModel,
  upload: Upload,
): Promise<{ size: number; md5: string }> {
  const { bucket, key } = object;
  const objectPath = store.getResourcePath(bucket, key, 'object');
  // What s3rver keeps: the metadata it was given, less what it derives from the file.
  const { etag: _etag, 'last-modified': _at, 'content-length': _length, ...kept } = object.metadata;
  await retryVanished(async () => {
    await mkdir(dirname(objectPath), { recursive: true });
    await Promise.all([
      writeFile(store.getResourcePath(bucket, key, 'object.md5'), upload.md5),
      writeFile(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(kept)),
    ]);
    await rename(upload.path, objectPath);
  });
  return { size: upload.size, md5: upload.md5 };
}

/** The object first (it is what makes the key exist), then its checksum, metadata and empty folders. */
async function deleteObject(store: FilesystemStore, bucket: string, key: string): Promise<void> {
  const remove = (path: string) =>
    unlink(path).catch((err: unknown) => {
      if (codeOf(err) !== 'ENOENT') throw err;
    });
  await remove(store.getResourcePath(bucket, key, 'object'));
  await Promise.all([
    remove(store.getResourcePath(bucket, key, 'object.md5')),
    remove(store.getResourcePath(bucket, key, 'metadata.json')),
  ]);
  const folders = key.split('/').slice(0, -1);
  while (folders.length > 0) {
    try {
      await rmdir(join(store.rootDirectory, bucket, ...folders));
    } catch {
      // Not empty (or gone already): nor are the folders above it.
      return;
    }
    folders.pop();
  }
}

/** Runs `fn` again when a file or folder it touched vanished under it (a concurrent delete). */
async function retryVanished<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err: unknown) {
      if (codeOf(err) !== 'ENOENT' || attempt >= 5) throw err;
    }
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}
