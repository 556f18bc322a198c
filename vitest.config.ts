import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every server of the run logs here, and the global teardown reads it for health data, then
// removes it (sync-server/testing/vitestLogCheck.ts). Set before the workers start: they inherit
// it. Always a file of the run's own, never a LOG_FILE of the shell's.
if (!process.env.LOG_FILE?.includes('relais-vitest-')) process.env.LOG_FILE = join(tmpdir(), `relais-vitest-${process.pid}.log`);

const ALL = ['schema/**/*.test.ts', 'sync-server/**/*.test.ts', 'peer-server/**/*.test.ts', 'scripts/**/*.test.ts', 'client/**/*.test.ts'];
// Tests that bound how long the event loop stalls under heavy work (issue 13) run after the rest,
// not beside the cluster test's three node processes, PostgreSQL and Redis on the same two cores.
const TIMED = ['sync-server/heavyWork.integration.test.ts', 'sync-server/documents/pdfPool.test.ts'];

export default defineConfig({
  test: {
    projects: [
      // The log check (global setup and teardown) once, in the first group: its teardown runs when the whole run ends.
      { extends: true, test: { name: 'relais', include: ALL, exclude: TIMED, sequence: { groupOrder: 0 }, globalSetup: ['sync-server/testing/vitestLogCheck.ts'] } },
      { extends: true, test: { name: 'timed', include: TIMED, sequence: { groupOrder: 1 }, globalSetup: [] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one on the 2-core machines we run on. Most
    // integration tests wait on servers, sockets and timers, so two workers overlap them: the run
    // took 210 s instead of 249 s on a fresh clone (npm test must stay under 12 minutes in CI).
    maxWorkers: 2,
    env: { LOG_FILE: process.env.LOG_FILE },
  },
});
