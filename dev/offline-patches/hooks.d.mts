/** A change to one serverless-offline file (see hooks.mjs). */
export interface Patch {
  name: string;
  why: string;
  /** The path under node_modules. */
  file: string;
  /** The text replaced, found exactly once. */
  find: string;
  replace: string;
}

export const PATCHES: readonly Patch[];

/** `source` of the module at `url` with its patches applied; throws when one does not apply. */
export function applyPatches(url: string, source: string): string;
