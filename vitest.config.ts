import { defineConfig } from 'vitest/config';

// Two projects: unit tests run in parallel on fixtures; integration tests
// share one Docker engine and measure real CPU and iowait, so they run one
// file at a time and only after every unit test is done (groupOrder): iowait
// only accrues on an idle CPU, and a busy property test would hide it.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/fast-check-seed.ts'],
          sequence: { groupOrder: 0 },
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
