import { vi } from 'vitest';

/** A console method the service's logger and metrics write through. */
export type ConsoleLevel = 'debug' | 'log' | 'info' | 'warn' | 'error';

const LEVELS: readonly ConsoleLevel[] = ['debug', 'log', 'info', 'warn', 'error'];

/** One line written to the console. */
export interface LogLine {
  level: ConsoleLevel;
  text: string;
}

/** What the console received while captured. */
export interface Logs {
  /** Every line, in the order written. */
  readonly all: readonly LogLine[];
  /** The text of the lines at one level, or at every level. */
  texts(level?: ConsoleLevel): string[];
  /** The lines that are JSON objects (log lines, metric documents), parsed. */
  json(level?: ConsoleLevel): Record<string, unknown>[];
  /** The JSON log lines whose message is `message`. */
  logLines(message: string, level?: ConsoleLevel): Record<string, unknown>[];
  /** Forgets the lines captured so far. */
  clear(): void;
}

/**
 * Captures and silences the console at the given levels (all of them when
 * none is named) for the rest of the test; `restoreMocks` in the vitest
 * config puts the console back before the next one.
 */
export function captureLogs(...levels: ConsoleLevel[]): Logs {
  const all: LogLine[] = [];
  for (const level of levels.length > 0 ? levels : LEVELS) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      all.push({ level, text: args.map(String).join(' ') });
    });
  }
  const texts = (level?: ConsoleLevel) =>
    all.filter((l) => level === undefined || l.level === level).map((l) => l.text);
  const json = (level?: ConsoleLevel) => texts(level).flatMap(parseObject);
  return {
    all,
    texts,
    json,
    logLines: (message, level) => json(level).filter((line) => line.message === message),
    clear: () => {
      all.length = 0;
    },
  };
}

function parseObject(text: string): Record<string, unknown>[] {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? [value as Record<string, unknown>]
      : [];
  } catch {
    return [];
  }
}
