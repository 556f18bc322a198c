/** Removes the run's data dir (the demo data the web server seeded), so runs leave nothing behind. */
import { rmSync } from 'node:fs';
import { E2E_DATA_DIR } from './paths.ts';

export default function globalTeardown(): void {
  rmSync(E2E_DATA_DIR, { recursive: true, force: true });
}
