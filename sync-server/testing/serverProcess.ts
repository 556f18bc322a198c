/**
 * The sync server in a process of its own (`sync-server/main.ts`), for tests and soak runs that kill
 * it or limit it: Node itself runs it, not the tsx wrapper, so that a signal or a resource limit
 * reaches the process that serves.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { seedDemo, type DemoData } from '../../scripts/demo.ts';
import { openStore } from '../store/index.ts';
import { tempDataDir } from './harness.ts';
import { SERVER_NODE_FLAGS } from '../nodeFlags.ts';

const root = join(import.meta.dirname, '..', '..');

import { freePort } from '../../scripts/cluster/engines.ts';

/** A loopback port free at this moment. */
export { freePort };

/** Starts the server on `port` over `dataDir` (with `env` added to its environment) and resolves once it listens. */
export function startServerProcess(port: number, dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [...SERVER_NODE_FLAGS, '--import', 'tsx', 'sync-server/main.ts'], {
    cwd: root,
    // No built client: these runs measure the sync server, and a `vite build` running meanwhile
    // must not make a start fail on a half-written dist/.
    env: { ...process.env, ...env, PORT: String(port), RELAIS_DATA_DIR: dataDir, HOST: '127.0.0.1', RELAIS_CLIENT_DIR: join(dataDir, 'no-client') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    proc.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Relais sync server')) resolve(proc);
    });
    proc.once('exit', (code) => reject(new Error(`server exited early (${code}): ${stderr.slice(-500)}`)));
  });
}

export interface SeededServerProcess {
  dataDir: string;
  demo: DemoData;
  port: number;
  http: string;
  ws: string;
  child: ChildProcess;
}

/** Demo data in a fresh data dir, then the server in its own process over it. */
export async function startSeededServerProcess(env: NodeJS.ProcessEnv = {}): Promise<SeededServerProcess> {
  const dataDir = tempDataDir();
  const seedStore = openStore(dataDir);
  const demo = await seedDemo(seedStore);
  await seedStore.close();
  const port = await freePort();
  const child = await startServerProcess(port, dataDir, env);
  return { dataDir, demo, port, http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, child };
}

export interface PeerServerProcess {
  port: number;
  child: ChildProcess;
}

/**
 * The peer server alone in a process of its own (npm start runs it beside the sync server, so a
 * crash of one is a crash of both), with a ticket secret of the caller's.
 */
export function startPeerServerProcess(ticketSecret: Buffer): Promise<PeerServerProcess> {
  const script =
    "const { startPeerServer } = await import('./peer-server/index.ts');" +
    "const peer = await startPeerServer('127.0.0.1', 0, { ticketSecret: Buffer.from(process.env.PEER_TICKET_SECRET, 'hex') });" +
    "console.log('peer server on ' + peer.port);";
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, PEER_TICKET_SECRET: ticketSecret.toString('hex') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const port = /peer server on (\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve({ port: Number(port), child });
    });
    child.once('exit', (code) => reject(new Error(`peer server exited early (${code}): ${stderr.slice(-500)}`)));
  });
}
