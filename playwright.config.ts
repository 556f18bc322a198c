import { defineConfig } from '@playwright/test';
import { E2E_DATA_DIR } from './e2e/paths.ts';
import { SERVER_NODE_FLAGS } from './sync-server/nodeFlags.ts';

const PORT = Number(process.env.E2E_PORT ?? 8181);
const PEER_PORT = PORT + 1000;
// Workers load this config too: pin the runner's id so they all name the same data dir.
process.env.E2E_RUN_ID ??= String(process.pid);
const DATA_DIR = E2E_DATA_DIR;

export default defineConfig({
  testDir: 'e2e',
  globalTeardown: './e2e/global-teardown.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
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
  webServer: {
    // As `npm start` runs it: the same Node flags (sync-server/nodeFlags.ts).
    command: ['node', ...SERVER_NODE_FLAGS, '--import', 'tsx', 'scripts/start.ts'].join(' '),
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'pipe',
    env: { PORT: String(PORT), PEER_PORT: String(PEER_PORT), RELAIS_DATA_DIR: DATA_DIR, HOST: '127.0.0.1' },
  },
});
