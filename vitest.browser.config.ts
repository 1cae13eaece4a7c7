import { defineConfig } from 'vitest/config';

/** Browser flows: Chromium driving the real server and the real CLI; slow, so run apart with `npm run test:browser`. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
