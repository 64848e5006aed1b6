import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
} from '@aws-sdk/client-s3';
import type { mockClient } from 'aws-sdk-client-mock';

export { seededRandom } from '../../dev/random';

import { s3Error } from './s3-errors';

/** The ways a PutObject fails in the fake, from "S3 refused it" to "it lands after the client gave up". */
export const PUT_FAULTS = [
  'internal-error',
  'slow-down',
  'timeout-unsent',
  'timeout-after-write',
  'timeout-lands-later',
] as const;
export type PutFault = (typeof PUT_FAULTS)[number];

interface StoredObject {
  body: string;
  metadata: Record<string, string>;
}

/** A GetObject body as the SDK hands it over, for mocked replies. */
export const sdkBody = (text: string) => ({
  transformToString: async () => text,
  transformToByteArray: async () => new Uint8Array(Buffer.from(text)),
});

const timeout = () =>
  Object.assign(new Error('Connection timed out after 5000 ms'), { name: 'TimeoutError' });

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * A bucket in memory behind aws-sdk-client-mock that behaves as S3 does
 * for the calls the service makes: conditional PutObject (412 when the key
 * exists), HeadObject, GetObject with metadata, ListObjectsV2 with Prefix
 * and StartAfter. A seeded share of PutObject calls fail in one of the
 * PUT_FAULTS ways. A write that "lands later" is applied before the next
 * request on its key (S3 orders requests on a key) or by `settle()`, and
 * only if the key is still free then, as a conditional write would be.
 */
export class FakeBucket {
  readonly objects = new Map<string, StoredObject>();
  readonly faults: Record<PutFault, number> = {
    'internal-error': 0,
    'slow-down': 0,
    'timeout-unsent': 0,
    'timeout-after-write': 0,
    'timeout-lands-later': 0,
  };
  puts = 0;
  private readonly inFlight = new Map<string, StoredObject>();

  constructor(
    private readonly random: () => number,
    private readonly putFaultRate: number,
  ) {}

  /** Answers the mocked client's S3 calls from this bucket. */
  install(s3: ReturnType<typeof mockClient>): void {
    s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => this.put(input));
    s3.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
      const object = this.current(input.Key);
      if (!object) throw s3Error('NotFound', 404);
      return { ETag: `"${md5(object.body)}"`, Metadata: object.metadata };
    });
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const object = this.current(input.Key);
      if (!object) throw s3Error('NoSuchKey', 404);
      return { Metadata: object.metadata, Body: sdkBody(object.body) };
    });
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; StartAfter?: string }) => {
      const keys = [...this.objects.keys()]
        .filter((k) => k.startsWith(input.Prefix ?? '') && k > (input.StartAfter ?? ''))
        .sort();
      return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false };
    });
  }

  /** Lands every write still in flight (where its key is free), as time passing would. */
  settle(): void {
    for (const key of [...this.inFlight.keys()]) this.current(key);
  }

  /** The ops lines of every segment (voids hold none), as [key, line] pairs. */
  lines(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [key, object] of [...this.objects].sort(([a], [b]) => (a < b ? -1 : 1))) {
      for (const line of object.body.split('\n')) if (line !== '') out.push([key, line]);
    }
    return out;
  }

  private put(input: PutObjectCommandInput): { ETag: string } {
    this.puts++;
    const key = String(input.Key);
    const object = { body: String(input.Body ?? ''), metadata: input.Metadata ?? {} };
    this.current(key);
    const fault =
      this.random() < this.putFaultRate
        ? PUT_FAULTS[Math.floor(this.random() * PUT_FAULTS.length)]
        : undefined;
    if (fault) this.faults[fault]++;
    switch (fault) {
      case 'internal-error':
        throw s3Error('InternalError', 500);
      case 'slow-down':
        throw s3Error('SlowDown', 503);
      case 'timeout-unsent':
        throw timeout();
      case 'timeout-after-write':
        try {
          this.write(key, object, input.IfNoneMatch);
        } catch {
          // The write met an existing object; the 412 is lost with the reply.
        }
        throw timeout();
      case 'timeout-lands-later':
        this.inFlight.set(key, object);
        throw timeout();
      default:
        return this.write(key, object, input.IfNoneMatch);
    }
  }

  private write(key: string, object: StoredObject, ifNoneMatch?: string): { ETag: string } {
    if (ifNoneMatch === '*' && this.objects.has(key)) throw s3Error('PreconditionFailed', 412);
    this.objects.set(key, object);
    return { ETag: `"${md5(object.body)}"` };
  }

  /** The object under a key, after any write still in flight to it has landed (or met a 412). */
  private current(key: string): StoredObject | undefined {
    const late = this.inFlight.get(key);
    if (late) {
      this.inFlight.delete(key);
      if (!this.objects.has(key)) this.objects.set(key, late);
    }
    return this.objects.get(key);
  }
}
