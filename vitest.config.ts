import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['schema/**/*.test.ts', 'sync-server/**/*.test.ts', 'peer-server/**/*.test.ts', 'scripts/**/*.test.ts', 'client/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
