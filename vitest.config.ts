import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Every vi.spyOn is undone before the next test, even when its test failed
    // before reaching a restore of its own.
    restoreMocks: true,
    // Log lines (JSON) are shown for failing tests only.
    silent: 'passed-only',
  },
});
