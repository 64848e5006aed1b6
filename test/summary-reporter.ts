import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

/** Tests counted by outcome. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The one plain line CI reads: `N passed, N failed` (and skipped when any). */
export function summaryLine({ passed, failed, skipped }: Counts): string {
  const tail = skipped > 0 ? `, ${skipped} skipped` : '';
  return `${passed} passed, ${failed} failed${tail}`;
}

/**
 * Ends every run with the summary line, which CI reads; vitest's own summary
 * is for people. With OBSERVER_SUMMARY_FILE set, the counts go to that file
 * instead, for a caller that runs vitest more than once and prints one line
 * for all the runs (.ci/run, through test/combine-summaries.ts).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<unknown>,
  ): void {
    const counts: Counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    for (const mod of testModules) {
      let failedTests = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') failedTests++;
        else counts.skipped++;
      }
      // A file that failed to load, or whose setup hook failed, with no failed test to show it.
      counts.failed += mod.state() === 'failed' && failedTests === 0 ? 1 : failedTests;
    }
    const file = process.env.OBSERVER_SUMMARY_FILE;
    if (file) writeFileSync(file, JSON.stringify(counts));
    else process.stdout.write(`\n${summaryLine(counts)}\n`);
  }
}
