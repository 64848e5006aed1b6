// The store port over an in-memory bucket, counting the S3 requests each
// call would make on AWS (by request type), for the cost figures of
// `npm run bench`. A listing is one request per 1000 keys, as
// ListObjectsV2 pages; a delete one request per 1000 keys, as
// DeleteObjects batches.
import { type SegmentStore, storeView } from '../../lib/storage/store';

/** The S3 request types the service makes. */
export type RequestType = 'PUT' | 'GET' | 'LIST' | 'DELETE';

/** Requests counted so far, by type. */
export type RequestCounts = Record<RequestType, number>;

/** S3 Standard request prices (USD per request, us-east-1 list prices): PUT, COPY, POST and LIST at $0.005 per 1,000; GET at $0.0004 per 1,000. DeleteObjects is a POST and is priced as one here. */
export const REQUEST_PRICE: Readonly<RequestCounts> = {
  PUT: 0.005 / 1000,
  LIST: 0.005 / 1000,
  DELETE: 0.005 / 1000,
  GET: 0.0004 / 1000,
};

/** No request yet. */
export const noRequests = (): RequestCounts => ({ PUT: 0, GET: 0, LIST: 0, DELETE: 0 });

/** What `counts` cost at S3 list prices, in USD. */
export function priceOf(counts: RequestCounts): number {
  return (Object.keys(counts) as RequestType[]).reduce(
    (sum, type) => sum + counts[type] * REQUEST_PRICE[type],
    0,
  );
}

/**
 * The bucket behind the port, with every call counted as the S3 requests it
 * stands for, each taking `latencyMs` (real time: calls the code makes at
 * once overlap, as S3 requests in flight do).
 */
export function countingStore(
  bucket: SegmentStore,
  counts: RequestCounts,
  latencyMs = 0,
): SegmentStore {
  const pages = (n: number) => Math.max(1, Math.ceil(n / 1000));
  const wait = () => (latencyMs > 0 ? new Promise((r) => setTimeout(r, latencyMs)) : undefined);
  const counted = async <T>(type: RequestType, n: number, value: T): Promise<T> => {
    counts[type] += n;
    await wait();
    return value;
  };
  return storeView(bucket, {
    append: async (ops, at) => counted('PUT', 1, await bucket.append(ops, at)),
    list: async function* (prefix, startAfter) {
      for await (const page of bucket.list(prefix, startAfter)) {
        yield await counted('LIST', pages(page.length), page);
      }
    },
    listSized: async function* (prefix, startAfter) {
      for await (const page of bucket.listSized(prefix, startAfter)) {
        counts.LIST += pages(page.length);
        yield page;
      }
    },
    listObjects: async function* (prefix) {
      for await (const page of bucket.listObjects(prefix)) {
        yield await counted('LIST', pages(page.length), page);
      }
    },
    read: async (key) => counted('GET', 1, await bucket.read(key)),
    getDocument: async (key) => counted('GET', 1, await bucket.getDocument(key)),
    putDocument: async (key, body) => counted('PUT', 1, await bucket.putDocument(key, body)),
    getObject: async (key) => counted('GET', 1, await bucket.getObject(key)),
    getIfChanged: async (key, etag) => counted('GET', 1, await bucket.getIfChanged(key, etag)),
    putObject: async (key, body, ifMatch) =>
      counted('PUT', 1, await bucket.putObject(key, body, ifMatch)),
    deleteObjects: async (keys) =>
      counted('DELETE', pages(keys.length), await bucket.deleteObjects(keys)),
  });
}
