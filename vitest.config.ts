import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every server of the run logs here, and the global teardown reads it for health data, then
// removes it (sync-server/testing/vitestLogCheck.ts). Set before the workers start: they inherit
// it. Always a file of the run's own, never a LOG_FILE of the shell's.
if (!process.env.LOG_FILE?.includes('relais-vitest-')) process.env.LOG_FILE = join(tmpdir(), `relais-vitest-${process.pid}.log`);

export default defineConfig({
  test: {
    include: ['schema/**/*.test.ts', 'sync-server/**/*.test.ts', 'peer-server/**/*.test.ts', 'scripts/**/*.test.ts', 'client/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['sync-server/testing/vitestLogCheck.ts'],
    env: { LOG_FILE: process.env.LOG_FILE },
  },
});
