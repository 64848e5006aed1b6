import type { Position } from '../domain/entry';

/**
 * Op ids seen lately, each with the position of the copy counted (null when
 * only the id is known, as from a checkpoint), bounded: when full, the id
 * remembered longest ago is forgotten first.
 */
export class IdMemory {
  private readonly ids = new Map<string, Position | null>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The counted copy's position: undefined for an unknown id, null when it is not known. */
  get(id: string): Position | null | undefined {
    return this.ids.get(id);
  }

  /** Remembers an id, or moves a known one's counted copy (a known id keeps its place). */
  set(id: string, position: Position | null): void {
    const known = this.ids.has(id);
    this.ids.set(id, position);
    if (known || this.ids.size <= this.capacity) return;
    const oldest = this.ids.keys().next().value as string;
    this.ids.delete(oldest);
  }

  /** Remembers an id whose counted copy's position is not known. */
  add(id: string): void {
    if (!this.ids.has(id)) this.set(id, null);
  }

  /** The ids, oldest first. */
  values(): string[] {
    return [...this.ids.keys()];
  }
}
