// Prints one summary line for several vitest runs, from the count files their
// summary reporters wrote (OBSERVER_SUMMARY_FILE):
//   node --import tsx test/combine-summaries.ts <file>...
// A run that left no readable file crashed before it could report: one failure.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Counts, summaryLine } from './summary-reporter';

const CountsSchema = z.object({
  passed: z.number().int().min(0),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0),
});

function read(file: string): Counts {
  try {
    const parsed = CountsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // missing or not JSON: counted below
  }
  process.stderr.write(`no test counts in ${file}: that run did not finish\n`);
  return { passed: 0, failed: 1, skipped: 0 };
}

const total: Counts = { passed: 0, failed: 0, skipped: 0 };
for (const counts of process.argv.slice(2).map(read)) {
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}
process.stdout.write(`\n${summaryLine(total)}\n`);
