/**
 * Vitest's global setup: every server the run starts — in a test's process (harness.ts testLogger)
 * or in a child process (LOG_FILE inherited) — appends its log lines to one file (vitest.config.ts
 * names it in LOG_FILE); at the end of the run the file is read for health data (logCheck.ts) and a
 * finding fails the run. The file is removed when clean, kept for reading otherwise.
 */
import { rmSync } from 'node:fs';
import { checkLogFiles } from './logCheck.ts';

export function setup(): void {
  const file = process.env.LOG_FILE;
  if (file) rmSync(file, { force: true });
}

export function teardown(): void {
  const file = process.env.LOG_FILE;
  if (!file) return;
  try {
    const { lines } = checkLogFiles([file]);
    console.log(`Log check: ${lines} server log lines of this run, no name, phone number or e-mail address of the demo data.`);
  } catch (error) {
    // Vitest prints a teardown's throw but still exits 0: the exit code is set here.
    process.exitCode = 1;
    throw error;
  }
  rmSync(file, { force: true });
}
