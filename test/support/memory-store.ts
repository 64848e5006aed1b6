import { encodeSegment } from '../../lib/jsonl';
import { isSegmentKey, segmentKey, uniqueSuffixes } from '../../lib/keys';
import type { ObservedOp } from '../../lib/op';
import { replaySegment, type SegmentStore } from '../../lib/segment-store';

/** The segment store in memory, with the S3 store's key layout and replay rules. */
export class MemorySegmentStore implements SegmentStore {
  readonly objects = new Map<string, string>();
  readonly calls = { append: 0, list: 0, read: 0 };
  private readonly nextUnique = uniqueSuffixes();

  nextKey(at: Date): string {
    return segmentKey(at, this.nextUnique());
  }

  async append(ops: readonly ObservedOp[], at: Date, key = this.nextKey(at)): Promise<string> {
    this.calls.append++;
    this.objects.set(key, encodeSegment(ops));
    return key;
  }

  /** Id markers, as S3 holds them when conditional writes work. */
  readonly markers = new Map<string, string>();

  async claimId(id: string, key: string): Promise<boolean> {
    const earlier = this.markers.get(id);
    if (earlier !== undefined && this.objects.has(earlier)) return false;
    this.markers.set(id, key);
    return true;
  }

  /** Puts raw text under a key, as a foreign or broken writer would. */
  putRaw(key: string, text: string): void {
    this.objects.set(key, text);
  }

  async *list(prefix: string, startAfter = ''): AsyncIterable<string[]> {
    this.calls.list++;
    yield [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > startAfter && isSegmentKey(k))
      .sort();
  }

  async getDocument(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async putDocument(key: string, body: string): Promise<void> {
    this.objects.set(key, body);
  }

  async read(key: string): Promise<ObservedOp[]> {
    this.calls.read++;
    return replaySegment(key, this.objects.get(key) ?? '');
  }
}
