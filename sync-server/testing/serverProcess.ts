/**
 * The sync server in a process of its own (`sync-server/main.ts`), for tests and soak runs that kill
 * it or limit it: Node itself runs it, not the tsx wrapper, so that a signal or a resource limit
 * reaches the process that serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** A loopback port free at this moment. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server on `port` over `dataDir` and resolves once it listens. */
export function startServerProcess(port: number, dataDir: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'sync-server/main.ts'], {
    cwd: root,
    // No built client: these runs measure the sync server, and a `vite build` running meanwhile
    // must not make a start fail on a half-written dist/.
    env: { ...process.env, PORT: String(port), RELAIS_DATA_DIR: dataDir, HOST: '127.0.0.1', RELAIS_CLIENT_DIR: join(dataDir, 'no-client') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Relais sync server')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr.slice(-500)}`)));
  });
}
