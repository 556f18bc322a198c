import { defineConfig } from '@playwright/test';
import { e2eDataDir, e2eLogFile } from './e2e/paths.ts';
import { SERVER_NODE_FLAGS } from './sync-server/nodeFlags.ts';

const PORT = Number(process.env.E2E_PORT ?? 8181);
// Workers load this config too: pin the runner's id so they all name the same data dirs.
process.env.E2E_RUN_ID ??= String(process.pid);

/**
 * Two servers, each with its own demo data, and one worker on each: the specs of one group run one
 * after the other as before (they share the demo accounts, the outbox, «Vue activité»), the two
 * groups at the same time. Most of a browser test is waiting for the page, so the run takes about
 * half as long on two cores. The groups are balanced by their measured durations.
 */
const GROUPS = [
  { name: 'appels', testMatch: /(a11y|call|phoneCall|phoneJourney|turn|fiche|roomStatus)\.spec\.ts$/ },
  { name: 'pages', testIgnore: /(a11y|call|phoneCall|phoneJourney|turn|fiche|roomStatus)\.spec\.ts$/ },
] as const;

/** As `npm start` runs it: the same Node flags (sync-server/nodeFlags.ts). */
const START = ['node', ...SERVER_NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'].join(' ');

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/global-teardown.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: GROUPS.length,
  retries: 0,
  reporter: [['list']],
  use: {
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    permissions: ['camera', 'microphone'],
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  projects: GROUPS.map((group, i) => ({ ...group, workers: 1, use: { baseURL: `http://127.0.0.1:${PORT + i}` } })),
  // Started one after the other: the first builds the client when its sources changed, the second
  // finds it built.
  webServer: GROUPS.map((_, i) => ({
    command: START,
    url: `http://127.0.0.1:${PORT + i}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    // The servers' log lines go to LOG_FILE, not into the report: the global teardown reads them for
    // health data and prints their errors.
    stdout: 'ignore' as const,
    env: {
      PORT: String(PORT + i),
      PEER_PORT: String(PORT + i + 1000),
      RELAIS_DATA_DIR: e2eDataDir(i),
      HOST: '127.0.0.1',
      // Read for health data by the global teardown (sync-server/testing/logCheck.ts).
      LOG_FILE: e2eLogFile(i),
    },
  })),
});
