import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**'],
    // Backstops against a hang, not guesses about speed: tests wait on events, and a loaded machine is slow.
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
