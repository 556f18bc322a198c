/**
 * `npm run dev`: the servers as `npm start` runs them (without building the client) plus Vite's
 * dev server with hot reload on http://127.0.0.1:5173, proxying /api and /sync to them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

const children: ChildProcess[] = [
  spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, RELAIS_SKIP_BUILD: '1' },
  }),
  spawn(bin('vite'), ['--host', '127.0.0.1'], { cwd: root, stdio: 'inherit' }),
];

let stopping = false;
const stop = (code: number): void => {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 2000).unref();
};
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
