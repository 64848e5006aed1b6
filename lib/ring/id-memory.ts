/** Op ids seen lately, bounded: when full, the oldest id is forgotten first. */
export class IdMemory {
  private readonly ids = new Set<string>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Remembers an id (a known id keeps its place). */
  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as string;
      this.ids.delete(oldest);
    }
  }

  /** The ids, oldest first. */
  values(): string[] {
    return [...this.ids];
  }
}
