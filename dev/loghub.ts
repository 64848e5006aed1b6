import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The four Loghub-2k samples kept in data/loghub (see its README for source and licence). */
export const LOGHUB_SETS = ['HDFS', 'OpenSSH', 'Mac', 'Proxifier'] as const;

/**
 * Grouping accuracy of drain3 0.9.11 with its example configuration on each
 * sample, the reference the miner must not fall below (data/loghub/README.md).
 */
export const DRAIN3_GA: Readonly<Record<(typeof LOGHUB_SETS)[number], number>> = {
  HDFS: 0.998,
  OpenSSH: 0.718,
  Mac: 0.674,
  Proxifier: 0.017,
};

/** One labelled message of a Loghub sample. */
export const LabelledMessageSchema = z.object({ content: z.string(), event: z.string().min(1) });
export type LabelledMessage = z.infer<typeof LabelledMessageSchema>;

/** The samples are missing or malformed. */
export class LoghubDataError extends Error {
  override name = 'LoghubDataError';
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The folder holding the samples: `LOGHUB_DIR` if set, else the repository's
 * own `data/loghub`.
 */
export function loghubDir(): string {
  const dir = process.env.LOGHUB_DIR || join(REPO_ROOT, 'data', 'loghub');
  const missing = LOGHUB_SETS.filter((set) => !existsSync(join(dir, `${set}.jsonl`)));
  if (missing.length > 0) {
    throw new LoghubDataError(
      `Loghub-2k samples not found: ${missing.map((s) => `${s}.jsonl`).join(', ')} missing in ${dir} (set LOGHUB_DIR to their folder)`,
    );
  }
  return dir;
}

/** The labelled messages of one sample, in their original order. */
export function loadLoghubSet(set: string, dir = loghubDir()): LabelledMessage[] {
  const path = join(dir, `${set}.jsonl`);
  const lines = readFileSync(path, 'utf8').split('\n');
  const messages: LabelledMessage[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (cause) {
      throw new LoghubDataError(`${path}:${i + 1}: not JSON`, { cause });
    }
    const parsed = LabelledMessageSchema.safeParse(value);
    if (!parsed.success) throw new LoghubDataError(`${path}:${i + 1}: ${parsed.error.message}`);
    messages.push(parsed.data);
  });
  return messages;
}
