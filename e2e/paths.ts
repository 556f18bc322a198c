import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One folder per run of the Playwright runner (its pid), holding each test server's data dir. */
export const E2E_DATA_DIR = process.env.E2E_DATA_DIR ?? join(tmpdir(), `relais-e2e-${process.env.E2E_RUN_ID ?? process.pid}`);

/** The data dir of test server `index` (one per group of specs), seeded fresh by that server. */
export const e2eDataDir = (index: number): string => join(E2E_DATA_DIR, `server-${index}`);

/** Where test server `index` writes its log lines (LOG_FILE), beside its data dir. */
export const e2eLogFile = (index: number): string => join(E2E_DATA_DIR, `server-${index}.log`);
