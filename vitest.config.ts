import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Builds the CLI once, so the hundreds of processes the whole-program tests spawn start in plain JavaScript.
    globalSetup: ['test/global-setup.ts'],
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    // Backstops against a hang, not guesses about speed: tests wait on events, and a loaded machine is slow.
    testTimeout: 600_000,
    // Most files spawn the CLI and wait on it, on a fake server's rate limit or on fsync: four files at a time keep two cores busy.
    maxWorkers: 4,
    hookTimeout: 300_000,
  },
});
