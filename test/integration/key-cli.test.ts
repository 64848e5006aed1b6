import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/platform/config';

// `npm run key` as a person runs it: a process of its own.

const run = promisify(execFile);

async function key(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/key.ts',
      ...args,
    ]);
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run key', () => {
  it('prints a new key, the entry that is its scope and SHA-256, and its fingerprint', async () => {
    const { code, stdout } = await key(['ingest']);

    expect(code).toBe(0);
    const [, k, entry, fingerprint] =
      /^key: +(\S+)\nentry: +(\S+)\nfingerprint: +(\S+)\n$/.exec(stdout) ?? [];
    const hash = createHash('sha256')
      .update(k ?? '')
      .digest('hex');
    expect(k).toMatch(/^obs_/);
    expect(entry).toBe(`ingest:${hash}`);
    expect(fingerprint).toBe(hash.slice(0, 8));
  });

  it('prints JSON with --json, whose entry the configuration takes', async () => {
    const { code, stdout } = await key(['read', '--json']);
    const made = JSON.parse(stdout) as { scope: string; key: string; entry: string };

    expect(code).toBe(0);
    expect(made.scope).toBe('read');
    const config = loadConfig({ OBSERVER_BUCKET: 'b-test', OBSERVER_API_KEYS: made.entry });
    expect(config.apiKeys).toEqual([
      { scope: 'read', hash: createHash('sha256').update(made.key).digest('hex') },
    ]);
  });

  it.each([[[]], [['write']], [['read', 'admin']], [['--nope', 'read']]])(
    'exits 2 with the usage for %j',
    async (args) => {
      const { code, stdout, stderr } = await key(args);

      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain('usage: npm run key -- <ingest|read|admin>');
    },
  );
});
