import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One data dir per run of the Playwright runner (its pid), seeded fresh by the web server. */
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? join(tmpdir(), `relais-e2e-${process.env.E2E_RUN_ID ?? process.pid}`);
