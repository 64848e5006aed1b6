/**
 * Op ids a container wrote lately, each with when it was received, so a
 * retry it is sent again within the retry window is acknowledged without
 * being written twice. Bounded: when full, the id remembered longest ago is
 * forgotten first (a forgotten retry is written, and readers still count
 * only its first copy).
 */
export class RecentIds {
  private readonly ids = new Map<string, number>();

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {}

  /** Remembers that `id` was received at `ms`. */
  remember(id: string, ms: number): void {
    this.ids.delete(id);
    this.ids.set(id, ms);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
  }

  /** Whether a copy of `id` received at `ms` would be a retry of one remembered. */
  has(id: string, ms: number): boolean {
    const at = this.ids.get(id);
    return at !== undefined && ms - at < this.windowMs;
  }
}
