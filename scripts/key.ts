// `npm run key -- <scope> [--json]`: a new API key of that scope (ingest,
// read or admin), the entry that lets it in (a line of OBSERVER_API_KEYS or
// of its SSM parameter) and the fingerprint log lines name it by. The key is
// printed once and kept nowhere: give it to its client, configure the entry.
// Exits 2 on bad arguments.
import { parseArgs } from 'node:util';
import {
  apiKeyEntry,
  hashApiKey,
  keyFingerprint,
  newApiKey,
  SCOPES,
  type Scope,
} from '../lib/platform/api-keys';

const USAGE = `usage: npm run key -- <${SCOPES.join('|')}> [--json]`;

function scopeOf(argv: string[]): { scope: Scope; json: boolean } {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { json: { type: 'boolean' } },
  });
  const [scope, ...rest] = positionals;
  if (rest.length > 0 || !SCOPES.some((s) => s === scope)) {
    throw new Error(`give one scope: ${SCOPES.join(', ')}`);
  }
  return { scope: scope as Scope, json: values.json ?? false };
}

function main(): number {
  let args: { scope: Scope; json: boolean };
  try {
    args = scopeOf(process.argv.slice(2));
  } catch (err: unknown) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
    return 2;
  }
  const key = newApiKey();
  const made = {
    scope: args.scope,
    key,
    entry: apiKeyEntry(args.scope, key),
    fingerprint: keyFingerprint(hashApiKey(key)),
  };
  if (args.json) {
    console.log(JSON.stringify(made));
    return 0;
  }
  console.log(`key:         ${made.key}`);
  console.log(`entry:       ${made.entry}`);
  console.log(`fingerprint: ${made.fingerprint}`);
  console.error(
    'Give the key to its client; put only the entry in OBSERVER_API_KEYS or its SSM parameter.',
  );
  return 0;
}

process.exitCode = main();
