import { createHash, randomBytes } from 'node:crypto';

// API keys as the configuration holds them: a scope and the SHA-256 of the
// key, never the key. Here, at the bottom, because the configuration
// validates the list at cold start; checking a request is the HTTP edge's.

/**
 * What a key may do: `ingest` sends ops, `read` reads what was recorded,
 * `admin` does both and anything that changes state. Admin satisfies every scope.
 */
export const SCOPES = ['ingest', 'read', 'admin'] as const;
/** One of SCOPES. */
export type Scope = (typeof SCOPES)[number];

/** One configured key: its scope and the SHA-256 of the key as 64 lowercase hex digits. */
export interface ApiKeyEntry {
  scope: Scope;
  hash: string;
}

/** How an entry is written in OBSERVER_API_KEYS or its SSM parameter. */
export const ENTRY_FORMAT = `<scope>:<sha256 hex> (scope ${SCOPES.join(', ')})`;

const ENTRY = /^([a-z]+):([0-9a-fA-F]{64})$/;
const isScope = (s: string): s is Scope => (SCOPES as readonly string[]).includes(s);

/** The SHA-256 of a key as 64 lowercase hex digits: what is configured and compared. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** How a log line names a key: the first 8 hex digits of its hash. */
export function keyFingerprint(hash: string): string {
  return hash.slice(0, 8);
}

/** A new key: 32 random bytes, base64url, after `obs_` so it is recognisable in a leak. */
export function newApiKey(): string {
  return `obs_${randomBytes(32).toString('base64url')}`;
}

/** The entry that lets `key` in with `scope`, as the configuration takes it. */
export function apiKeyEntry(scope: Scope, key: string): string {
  return `${scope}:${hashApiKey(key)}`;
}

/**
 * Reads a key list: entries `scope:sha256hex` separated by commas or white
 * space (newlines included). An empty list is a list of no keys. A problem
 * names the entry by its position and never repeats it: an entry may be a
 * key pasted by mistake.
 */
export function parseApiKeys(
  text: string,
): { entries: ApiKeyEntry[]; problems?: never } | { problems: string[]; entries?: never } {
  const entries: ApiKeyEntry[] = [];
  const problems: string[] = [];
  const items = text.split(/[\s,]+/).filter((item) => item !== '');
  items.forEach((item, i) => {
    const m = ENTRY.exec(item);
    const scope = m?.[1];
    const hash = m?.[2];
    if (scope !== undefined && hash !== undefined && isScope(scope)) {
      entries.push({ scope, hash: hash.toLowerCase() });
      return;
    }
    problems.push(`entry ${i + 1} of ${items.length} is not ${ENTRY_FORMAT}${hint(item)}`);
  });
  return problems.length > 0 ? { problems } : { entries };
}

// Says what the entry looks like without repeating any of it.
function hint(item: string): string {
  const colon = item.indexOf(':');
  if (colon < 0)
    return '; it has no scope: is it a key rather than its entry? npm run key prints both';
  const scope = item.slice(0, colon);
  if (!isScope(scope)) return '; its scope is not one of these';
  return "; after the scope comes the key's SHA-256, not the key: npm run key prints the entry";
}
