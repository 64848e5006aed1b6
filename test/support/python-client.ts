import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Python client docs/client.md documents: one file, standard library only. */
export const PYTHON_CLIENT = resolve('clients/python/observer_client.py');

// What every driver program starts with: the client imported from its file,
// `record`, an on_error that prints each report as a JSON line at once (so a
// report made while the interpreter exits is seen too), and `show`, which
// prints values as a JSON line.
const PRELUDE = `
import json, sys
from observer_client import ObserverClient

def record(kind, detail):
    print(json.dumps({"report": kind, "detail": detail}, default=str), flush=True)

def show(**values):
    print(json.dumps(values, default=str), flush=True)
`;

/** A report the client made through on_error, as `record` printed it. */
export interface Report {
  kind: string;
  detail: unknown;
}

/** What a driver printed: its `show` lines and its client's reports, in order. */
export interface PythonRun {
  shown: Record<string, unknown>[];
  reports: Report[];
}

/**
 * Runs a driver program with python3 (the prelude above first, the client's
 * folder on the import path, no bytecode written); rejects when it fails or is
 * still running after `killAfterMs`.
 */
export async function runPython(driver: string, killAfterMs = 300_000): Promise<PythonRun> {
  const { stdout } = await run('python3', ['-B', '-c', `${PRELUDE}\n${driver}`], {
    timeout: killAfterMs,
    env: { ...process.env, PYTHONPATH: dirname(PYTHON_CLIENT) },
  });
  const lines = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    shown: lines.filter((l) => !('report' in l)),
    reports: lines
      .filter((l) => 'report' in l)
      .map((l) => ({ kind: String(l.report), detail: l.detail })),
  };
}
