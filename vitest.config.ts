import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/setup-file.ts'],
    pool: 'forks',
    // CI also writes a JSON report, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.ORION_TEST_REPORT
      ? ['default', ['json', { outputFile: process.env.ORION_TEST_REPORT }]]
      : ['default'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Tests never depend on order; shuffling keeps it that way.
    sequence: { shuffle: { tests: true, files: false } },
  },
});
