import { seededRandom } from '../../dev/random';

/** An op of the run as a client posts it. */
export type RunOp = Record<string, unknown> & { endpoint: string };

const TOOLS = ['search', 'fetch_url', 'run_tests', 'write_file', 'git_diff'];
const ORGS = ['org-4f2a9c', 'org-77b1e0', 'org-0c3d5e', 'org-9a9b11'];
const FILES = ['src/index.ts', 'README.md', 'package.json', 'src/lib/util.ts'];

/**
 * A small, realistic agent run: 48 ops over four endpoints, two sources and
 * four staffers, most succeeding, with failures of five kinds whose ids,
 * numbers and names vary from op to op. The same seed gives the same run.
 */
export function failingRun(seed = 17): RunOp[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const n = (max: number) => 1 + Math.floor(random() * max);
  const staffer = () => `w-${n(4)}`;
  const hex = () =>
    Math.floor(random() * 0xffffffff)
      .toString(16)
      .padStart(8, '0');
  const kinds: (() => RunOp)[] = [
    () => ({
      endpoint: 'tools/call',
      staffer_id: staffer(),
      error: `Timeout calling tool ${pick(TOOLS)} after ${n(60) * 1000}ms`,
    }),
    () => ({
      endpoint: 'tools/call',
      staffer_id: staffer(),
      error: `HTTP 429 Too Many Requests: rate limit exceeded for ${pick(ORGS)}, retry after ${n(30)}s`,
    }),
    () => ({
      endpoint: 'resources/read',
      staffer_id: staffer(),
      error: `ENOENT: no such file or directory, open '/workspace/run-${n(99)}/${pick(FILES)}'`,
    }),
    () => ({
      endpoint: 'scenario/step',
      source: 'scenario',
      staffer_id: staffer(),
      event_kind: 'assert',
      error: `assertion failed: expected ${n(20)} rows, got ${n(20) - 1} (request ${hex()}-${hex()})`,
    }),
    () => ({ endpoint: 'scenario/step', source: 'scenario', staffer_id: staffer() }),
  ];
  return Array.from({ length: 48 }, (_, i): RunOp => {
    if (i % 3 !== 0) {
      const endpoint = pick(['tools/call', 'tools/list', 'resources/read']);
      return { endpoint, success: true, staffer_id: staffer(), duration_ms: n(900) };
    }
    return { success: false, duration_ms: n(900), ...pick(kinds)() };
  });
}
