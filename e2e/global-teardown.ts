/**
 * After the run: the test servers' logs are read for health data (the demo people's names, phones,
 * e-mails: sync-server/testing/logCheck.ts), then the run's folder (their demo data and logs) is
 * removed, so runs leave nothing behind. A finding fails the run and keeps the folder to read.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { checkLogFiles } from '../sync-server/testing/logCheck.ts';
import { E2E_DATA_DIR } from './paths.ts';

export default function globalTeardown(): void {
  let logs: string[] = [];
  try {
    logs = readdirSync(E2E_DATA_DIR).filter((name) => name.endsWith('.log')).map((name) => join(E2E_DATA_DIR, name));
  } catch {
    // No folder: no server ran.
  }
  // The servers' stdout is not shown (playwright.config.ts): their errors are, from the log files.
  for (const file of logs) {
    const errors = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /"level":(50|60)\b/.test(line));
    if (errors.length > 0) console.log(`${file}: ${errors.length} error line(s), the first:\n  ${errors.slice(0, 10).join('\n  ')}`);
  }
  const { lines } = checkLogFiles(logs);
  console.log(`Log check: ${lines} server log lines of this run, no name, phone number or e-mail address of the demo data.`);
  rmSync(E2E_DATA_DIR, { recursive: true, force: true });
}
