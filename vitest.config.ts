import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-env.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    // Safety nets, not measurements: generous enough that a test on a 2-core
    // machine busy with other work never fails for being slow.
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Every vi.spyOn is undone before the next test, even when its test failed
    // before reaching a restore of its own.
    restoreMocks: true,
    // Log lines (JSON) are shown for failing tests only.
    silent: 'passed-only',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit and integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The local stack builds into one .esbuild/ folder: one file at a time,
        // after the rest, so no emulator shares the machine with other tests.
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
