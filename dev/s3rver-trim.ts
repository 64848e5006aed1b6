// s3rver does work on every request that a local S3 for one service need
// not repeat: it builds a coloured log line (and counts a streamed body
// through an extra stream) even when silent, and reads the bucket's folder
// and its CORS and website documents from disk before each request. Trimmed
// here: a silent server has no request logger, and bucket lookups are kept
// in memory, forgotten whenever the same server writes or deletes them.
import type S3rver from 's3rver';

interface KoaApp {
  middleware: ((...args: never[]) => unknown)[];
  store: BucketStore;
}

/** The bucket-level parts of s3rver's FilesystemStore that are read on every request. */
interface BucketStore {
  getBucket(bucket: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
  deleteBucket(bucket: string): Promise<unknown>;
  getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown>;
  putSubresource(
    bucket: string,
    key: string | undefined,
    resource: { type: string },
  ): Promise<void>;
  deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void>;
}

/** Call before `run()`: s3rver composes its middleware when it starts listening. */
export function trimRequestWork(server: S3rver, options: { silent: boolean }): void {
  const app = server as unknown as KoaApp;
  if (options.silent) {
    // koa-logger, registered first by s3rver's constructor.
    app.middleware = app.middleware.filter((m) => m.name !== 'logger');
  }
  cacheBucketLookups(app.store);
}

function cacheBucketLookups(store: BucketStore): void {
  const buckets = new Map<string, Promise<unknown>>();
  const subresources = new Map<string, Promise<unknown>>();
  const original = {
    getBucket: store.getBucket.bind(store),
    putBucket: store.putBucket.bind(store),
    deleteBucket: store.deleteBucket.bind(store),
    getSubresource: store.getSubresource.bind(store),
    putSubresource: store.putSubresource.bind(store),
    deleteSubresource: store.deleteSubresource.bind(store),
  };
  const forgetBucket = (bucket: string) => {
    buckets.delete(bucket);
    for (const id of subresources.keys()) if (id.startsWith(`${bucket}/`)) subresources.delete(id);
  };

  store.getBucket = (bucket) => {
    let found = buckets.get(bucket);
    if (found === undefined) {
      found = original.getBucket(bucket);
      buckets.set(bucket, found);
      // A missing bucket, or a failed lookup, is asked again next time.
      void found.then(
        (b) => (b ? undefined : buckets.delete(bucket)),
        () => buckets.delete(bucket),
      );
    }
    return found;
  };
  // Only the bucket's own documents: an object's are read with the object.
  store.getSubresource = (bucket, key, type) => {
    if (key !== undefined) return original.getSubresource(bucket, key, type);
    const id = `${bucket}/${type}`;
    let found = subresources.get(id);
    if (found === undefined) {
      found = original.getSubresource(bucket, key, type);
      subresources.set(id, found);
      void found.catch(() => subresources.delete(id));
    }
    return found;
  };
  // Any write to the bucket or a document of it forgets the bucket and its documents.
  store.putBucket = (bucket) => forgetAround(bucket, () => original.putBucket(bucket));
  store.deleteBucket = (bucket) => forgetAround(bucket, () => original.deleteBucket(bucket));
  store.putSubresource = (bucket, key, resource) =>
    forgetAround(bucket, () => original.putSubresource(bucket, key, resource));
  store.deleteSubresource = (bucket, key, type) =>
    forgetAround(bucket, () => original.deleteSubresource(bucket, key, type));

  /** Runs a write, forgetting the bucket both before it starts and once it is done. */
  async function forgetAround<T>(bucket: string, write: () => Promise<T>): Promise<T> {
    forgetBucket(bucket);
    try {
      return await write();
    } finally {
      forgetBucket(bucket);
    }
  }
}
