/**
 * Builds the client (vite build) into a directory when its sources are newer than what is there:
 * `npm start` before it serves, `npm run cluster` once for its nodes.
 */
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../sync-server/log.ts';

const root = resolve(import.meta.dirname, '..');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/**
 * Builds the client into `clientDir` when its sources are newer. Vite's own output is kept for the
 * end: what it still prints (a real warning, an error) is logged then; meanwhile a terminal sees one
 * line counting the seconds.
 */
export async function buildClientIfStale(clientDir: string, logger: Logger): Promise<void> {
  const built = join(clientDir, 'index.html');
  const sources = Math.max(
    newestMtime(join(root, 'client')),
    newestMtime(join(root, 'schema')),
    statSync(join(root, 'vite.config.ts')).mtimeMs,
    statSync(join(root, 'package-lock.json')).mtimeMs,
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const startedAt = Date.now();
  const seconds = (): number => Math.round((Date.now() - startedAt) / 1000);
  const terminal = process.stdout.isTTY === true;
  const progress = (): boolean => process.stdout.write(`\rConstruction de l’interface (vite build)… ${seconds()} s `);
  let ticker: NodeJS.Timeout | undefined;
  if (terminal) {
    progress();
    ticker = setInterval(progress, 1000);
  } else {
    logger.info('Construction de l’interface (vite build)…');
  }
  const vite = spawn(join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn', '--outDir', clientDir, '--emptyOutDir'], {
    cwd: root,
    // The client is always built for production, whatever NODE_ENV the server runs with (vitest sets «test»).
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  vite.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  vite.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => vite.once('close', resolve));
  clearInterval(ticker);
  if (terminal) process.stdout.write('\r\x1b[2K');
  // Colours are for a terminal; these lines go to the log.
  output = stripVTControlCharacters(output).trim();
  if (code !== 0) {
    logger.fatal({ code }, `La construction de l’interface a échoué (vite build) :\n${output}`);
    process.exit(1);
  }
  if (output) logger.warn(`vite build :\n${output}`);
  logger.info({ ms: Date.now() - startedAt }, `Interface construite en ${seconds()} s`);
}
